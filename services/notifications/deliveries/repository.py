"""Every SQL statement on `deliveries`: the intent, the dispatcher's claims and outcomes, the log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.db import Connection


@dataclass(frozen=True)
class Intent:
    """A decision to tell `recipient` about one event on one channel."""

    event_id: uuid.UUID
    recipient: str
    channel: str
    kind: str
    user_id: str | None
    context: dict[str, Any]
    subscription_id: uuid.UUID | None = None
    # `skipped`: decided not to send (a preference, no known address); kept for the log.
    status: str = "pending"
    reason: str | None = None


@dataclass(frozen=True)
class Delivery:
    id: uuid.UUID
    event_id: uuid.UUID
    recipient: str
    channel: str
    kind: str
    user_id: str | None
    subscription_id: uuid.UUID | None
    context: dict[str, Any]
    status: str
    reason: str | None
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


_COLUMNS = """id, event_id, recipient, channel, kind, user_id, subscription_id, context, status,
              reason, attempts, last_error, created_at, sent_at"""


def _delivery(row: Any) -> Delivery:
    return Delivery(**dict(row))


async def record(conn: Connection, intent: Intent) -> bool:
    """True when this (event, recipient, channel) is new; false for one already decided."""
    inserted = await conn.fetchval(
        """insert into deliveries (id, event_id, recipient, channel, kind, user_id,
                                   subscription_id, context, status, reason)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict (event_id, recipient, channel) do nothing returning true""",
        uuid.uuid4(),
        intent.event_id,
        intent.recipient,
        intent.channel,
        intent.kind,
        intent.user_id,
        intent.subscription_id,
        intent.context,
        intent.status,
        intent.reason,
    )
    return bool(inserted)


async def drop_pending_of_user(conn: Connection, user_id: str, reason: str) -> int:
    status = await conn.execute(
        """update deliveries set status = 'dropped', reason = $2, lease_until = null
            where user_id = $1 and channel = 'email' and status = 'pending'""",
        user_id,
        reason,
    )
    return int(status.split()[-1])


async def drop_pending_of_subscription(
    conn: Connection, subscription_id: uuid.UUID, reason: str
) -> int:
    status = await conn.execute(
        """update deliveries set status = 'dropped', reason = $2, lease_until = null
            where subscription_id = $1 and channel = 'webhook' and status = 'pending'""",
        subscription_id,
        reason,
    )
    return int(status.split()[-1])


async def purge_finished(conn: Connection, retention_days: float, batch_size: int) -> int:
    """Forget finished deliveries past retention (a batch); pending ones are never purged."""
    status = await conn.execute(
        """delete from deliveries where id = any(array(
               select id from deliveries
                where status <> 'pending'
                  and created_at < now() - $1::float8 * interval '1 day' limit $2))""",
        retention_days,
        batch_size,
    )
    return int(status.split()[-1])


async def claim_emails(conn: Connection, limit: int, lease_s: float) -> list[Delivery]:
    """Due e-mails, taken for `lease_s` (another dispatcher skips them until it runs out)."""
    rows = await conn.fetch(
        f"""update deliveries set lease_until = now() + $2::float8 * interval '1 second',
                   attempts = attempts + 1
             where id in (select id from deliveries
                           where channel = 'email' and status = 'pending'
                             and next_attempt_at <= now()
                             and (lease_until is null or lease_until < now())
                           order by next_attempt_at limit $1
                           for update skip locked)
         returning {_COLUMNS}""",  # noqa: S608
        limit,
        lease_s,
    )
    return [_delivery(row) for row in rows]


async def claim_webhooks(
    conn: Connection, limit: int, lease_s: float, busy: list[uuid.UUID]
) -> list[Delivery]:
    """At most one due delivery per active webhook subscription not already sending: a slow or
    down endpoint holds one slot, never the others'."""
    rows = await conn.fetch(
        f"""update deliveries set lease_until = now() + $2::float8 * interval '1 second',
                   attempts = attempts + 1
             where id in (
                 select distinct on (d.subscription_id) d.id
                   from deliveries d join subscriptions s on s.id = d.subscription_id
                  where d.channel = 'webhook' and d.status = 'pending'
                    and s.status = 'active' and d.next_attempt_at <= now()
                    and (d.lease_until is null or d.lease_until < now())
                    and not (d.subscription_id = any($3::uuid[]))
                  order by d.subscription_id, d.next_attempt_at
                  limit $1)
               -- re-checked on the locked row: another dispatcher's claim in between wins
               and (lease_until is null or lease_until < now()) and status = 'pending'
         returning {_COLUMNS}""",  # noqa: S608
        limit,
        lease_s,
        busy,
    )
    return [_delivery(row) for row in rows]


async def mark_sent(conn: Connection, delivery_id: uuid.UUID) -> None:
    await conn.execute(
        """update deliveries set status = 'sent', sent_at = now(), lease_until = null,
                  last_error = null where id = $1 and status = 'pending'""",
        delivery_id,
    )


async def mark_retry(conn: Connection, delivery_id: uuid.UUID, delay_s: float, error: str) -> None:
    await conn.execute(
        """update deliveries set lease_until = null, last_error = $3,
                  next_attempt_at = now() + $2::float8 * interval '1 second'
            where id = $1 and status = 'pending'""",
        delivery_id,
        delay_s,
        error[:500],
    )


async def mark_final(
    conn: Connection, delivery_id: uuid.UUID, status: str, reason: str, error: str | None = None
) -> None:
    await conn.execute(
        """update deliveries set status = $2, reason = $3, last_error = $4, lease_until = null
            where id = $1 and status = 'pending'""",
        delivery_id,
        status,
        reason,
        None if error is None else error[:500],
    )


async def list_deliveries(
    conn: Connection,
    *,
    user_id: str | None,
    owner_id: str | None,
    kind: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[Delivery]:
    """The log, newest first. `owner_id`: only deliveries of that operator's subscriptions."""
    rows = await conn.fetch(
        f"""select {_COLUMNS} from deliveries d
             where ($1::text is null or d.user_id = $1)
               and ($2::text is null or d.subscription_id in
                        (select id from subscriptions where owner_id = $2))
               and ($3::text is null or d.kind = $3)
               and ($4::text is null or d.status = $4)
             order by d.created_at desc, d.id limit $5 offset $6""",  # noqa: S608
        user_id,
        owner_id,
        kind,
        status,
        limit,
        offset,
    )
    return [_delivery(row) for row in rows]
