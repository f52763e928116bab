"""Every SQL statement on `subscriptions`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.db import Connection


@dataclass(frozen=True)
class SubscriptionRow:
    id: uuid.UUID
    owner_id: str
    channel: str
    url: str | None
    secret: str | None
    min_severity: str
    sites: list[str]
    kinds: list[str]
    status: str
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime


_COLUMNS = """id, owner_id, channel, url, secret, min_severity, sites, kinds, status,
              consecutive_failures, disabled_at, disabled_reason, created_at"""


def _row(row: Any) -> SubscriptionRow:
    return SubscriptionRow(**dict(row))


async def insert(
    conn: Connection,
    *,
    owner_id: str,
    channel: str,
    url: str | None,
    secret: str | None,
    min_severity: str,
    sites: list[str],
    kinds: list[str],
) -> SubscriptionRow:
    row = await conn.fetchrow(
        f"""insert into subscriptions
                (id, owner_id, channel, url, secret, min_severity, sites, kinds)
            values ($1, $2, $3, $4, $5, $6, $7, $8) returning {_COLUMNS}""",  # noqa: S608
        uuid.uuid4(),
        owner_id,
        channel,
        url,
        secret,
        min_severity,
        sites,
        kinds,
    )
    return _row(row)


async def get(conn: Connection, subscription_id: uuid.UUID) -> SubscriptionRow | None:
    row = await conn.fetchrow(
        f"select {_COLUMNS} from subscriptions where id = $1 and status <> 'deleted'",  # noqa: S608
        subscription_id,
    )
    return None if row is None else _row(row)


async def list_of(conn: Connection, owner_id: str | None) -> list[SubscriptionRow]:
    rows = await conn.fetch(
        f"""select {_COLUMNS} from subscriptions
             where status <> 'deleted' and ($1::text is null or owner_id = $1)
             order by created_at, id""",  # noqa: S608
        owner_id,
    )
    return [_row(row) for row in rows]


async def update(conn: Connection, subscription_id: uuid.UUID, **fields: Any) -> SubscriptionRow:
    names = list(fields)
    assignments = ", ".join(f"{name} = ${index + 2}" for index, name in enumerate(names))
    row = await conn.fetchrow(
        f"update subscriptions set {assignments} where id = $1 returning {_COLUMNS}",  # noqa: S608
        subscription_id,
        *[fields[name] for name in names],
    )
    return _row(row)


async def matching(
    conn: Connection, kind: str, severities: list[str], site: str | None
) -> list[SubscriptionRow]:
    """Subscriptions that want this kind at this severity and site (disabled webhooks too:
    their deliveries wait until the owner enables them again)."""
    rows = await conn.fetch(
        f"""select {_COLUMNS} from subscriptions
             where status <> 'deleted'
               and (cardinality(kinds) = 0 or $1 = any(kinds))
               and min_severity = any($2::text[])
               and (cardinality(sites) = 0 or $3 = any(sites))
             order by created_at, id""",  # noqa: S608
        kind,
        severities,
        site,
    )
    return [_row(row) for row in rows]


async def attempt_failed(conn: Connection, subscription_id: uuid.UUID) -> int:
    failures: int = await conn.fetchval(
        """update subscriptions set consecutive_failures = consecutive_failures + 1
            where id = $1 returning consecutive_failures""",
        subscription_id,
    )
    return failures


async def attempt_succeeded(conn: Connection, subscription_id: uuid.UUID) -> None:
    await conn.execute(
        """update subscriptions set consecutive_failures = 0
            where id = $1 and consecutive_failures <> 0""",
        subscription_id,
    )


async def disable(conn: Connection, subscription_id: uuid.UUID, reason: str) -> datetime | None:
    """Disables an active subscription; returns when, or None if it was not active."""
    disabled_at: datetime | None = await conn.fetchval(
        """update subscriptions set status = 'disabled', disabled_at = now(),
                  disabled_reason = $2
            where id = $1 and status = 'active' returning disabled_at""",
        subscription_id,
        reason,
    )
    return disabled_at
