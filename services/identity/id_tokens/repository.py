"""SQL of id-tokens, payment standing and the last published decision per UID."""

from __future__ import annotations

import uuid
from datetime import datetime

from asyncpg import Record

from shared.db import Connection


async def insert_token(
    conn: Connection,
    *,
    token_id: uuid.UUID,
    uid: str,
    kind: str,
    user_id: uuid.UUID,
    label: str | None,
    expires_at: datetime | None,
) -> Record | None:
    """The new token, or None when the UID is already registered."""
    return await conn.fetchrow(
        """insert into id_tokens (id, uid, kind, user_id, label, expires_at)
            values ($1, $2, $3, $4, $5, $6)
            on conflict (uid) do nothing
            returning id, uid, kind, user_id, label, status, expires_at,
                   created_at, updated_at""",
        token_id,
        uid,
        kind,
        user_id,
        label,
        expires_at,
    )


async def token_by_id(conn: Connection, token_id: uuid.UUID) -> Record | None:
    return await conn.fetchrow(
        """select id, uid, kind, user_id, label, status, expires_at,
                   created_at, updated_at
             from id_tokens where id = $1 for update""",
        token_id,
    )


async def user_status(conn: Connection, user_id: uuid.UUID) -> str | None:
    status: str | None = await conn.fetchval("select status from users where id = $1", user_id)
    return status


async def count_for_user(conn: Connection, user_id: uuid.UUID) -> int:
    count: int = await conn.fetchval("select count(*) from id_tokens where user_id = $1", user_id)
    return count


async def list_tokens(
    conn: Connection,
    *,
    user_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[Record]:
    return await conn.fetch(
        """select id, uid, kind, user_id, label, status, expires_at,
                   created_at, updated_at from id_tokens
             where ($1::uuid is null or user_id = $1)
               and ($2::text is null or status = $2)
             order by created_at, id
             limit $3 offset $4""",
        user_id,
        status,
        limit,
        offset,
    )


async def uids_of_user(conn: Connection, user_id: uuid.UUID) -> list[str]:
    rows = await conn.fetch("select uid from id_tokens where user_id = $1 order by uid", user_id)
    return [row["uid"] for row in rows]


async def update_token(
    conn: Connection,
    token_id: uuid.UUID,
    *,
    status: str,
    expires_at: datetime | None,
    label: str | None,
) -> Record:
    row = await conn.fetchrow(
        """update id_tokens set status = $2, expires_at = $3, label = $4, updated_at = now()
             where id = $1 returning id, uid, kind, user_id, label, status, expires_at,
                   created_at, updated_at""",
        token_id,
        status,
        expires_at,
        label,
    )
    assert row is not None  # written by primary key just now
    return row


async def delete_token(conn: Connection, token_id: uuid.UUID) -> None:
    await conn.execute("delete from id_tokens where id = $1", token_id)


async def delete_tokens_of_user(conn: Connection, user_id: uuid.UUID) -> list[str]:
    rows = await conn.fetch("delete from id_tokens where user_id = $1 returning uid", user_id)
    return [row["uid"] for row in rows]


# -- what a decision is made of ---------------------------------------------------------------


async def lock_user(conn: Connection, user_id: uuid.UUID) -> None:
    """Serialise what changes a user's set of tokens or their standing (registration, payment
    standing, disabling, deletion): otherwise a token registered while the standing changes is
    missed by both transactions, each not seeing the other's uncommitted row. Taken before
    `lock_uid`, always in that order."""
    await conn.execute(
        "select pg_advisory_xact_lock(hashtextextended('id-token-user:' || $1::uuid::text, 0))",
        user_id,
    )


async def lock_uid(conn: Connection, uid: str) -> None:
    """Serialise decisions per UID, so two transactions cannot publish out of order."""
    await conn.execute("select pg_advisory_xact_lock(hashtextextended('id-token:' || $1, 0))", uid)


async def decision_inputs(conn: Connection, uid: str) -> Record | None:
    return await conn.fetchrow(
        """select t.uid, t.kind, t.user_id, t.status, t.expires_at,
                  u.status as user_status,
                  p.has_payment_method, p.subscription_active, p.has_overdue_invoice
             from id_tokens t
             join users u on u.id = t.user_id
             left join payment_standing p on p.user_id = t.user_id
            where t.uid = $1""",
        uid,
    )


async def published_decision(conn: Connection, uid: str) -> Record | None:
    return await conn.fetchrow(
        "select uid, kind, user_id, decision, reason, expires_at, evaluated_at, published_at "
        "from id_token_decisions where uid = $1",
        uid,
    )


async def save_published(
    conn: Connection,
    *,
    uid: str,
    kind: str,
    user_id: uuid.UUID | None,
    decision: str,
    reason: str | None,
    expires_at: datetime | None,
) -> None:
    await conn.execute(
        """insert into id_token_decisions (uid, kind, user_id, decision, reason, expires_at)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (uid) do update set
               kind = excluded.kind, user_id = excluded.user_id, decision = excluded.decision,
               reason = excluded.reason, expires_at = excluded.expires_at,
               evaluated_at = now(), published_at = now()""",
        uid,
        kind,
        user_id,
        decision,
        reason,
        expires_at,
    )


async def mark_evaluated(conn: Connection, uid: str) -> None:
    await conn.execute("update id_token_decisions set evaluated_at = now() where uid = $1", uid)


async def uids_expired_since_evaluated(conn: Connection, limit: int) -> list[str]:
    """Tokens whose expiry passed after their decision was last evaluated."""
    rows = await conn.fetch(
        """select t.uid from id_tokens t
             left join id_token_decisions d on d.uid = t.uid
            where t.expires_at <= now()
              and (d.uid is null or d.evaluated_at < t.expires_at)
            order by t.expires_at
            limit $1""",
        limit,
    )
    return [row["uid"] for row in rows]


# -- payment standing (from payment.accounts.v1) -----------------------------------------------


async def upsert_standing(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    has_payment_method: bool,
    subscription_active: bool,
    has_overdue_invoice: bool,
    as_of: datetime,
) -> bool:
    """Store the standing unless a newer one is already known; True when stored."""
    stored = await conn.fetchval(
        """insert into payment_standing
               (user_id, has_payment_method, subscription_active, has_overdue_invoice, as_of)
           values ($1, $2, $3, $4, $5)
           on conflict (user_id) do update set
               has_payment_method = excluded.has_payment_method,
               subscription_active = excluded.subscription_active,
               has_overdue_invoice = excluded.has_overdue_invoice,
               as_of = excluded.as_of, updated_at = now()
           where payment_standing.as_of <= excluded.as_of
           returning true""",
        user_id,
        has_payment_method,
        subscription_active,
        has_overdue_invoice,
        as_of,
    )
    return bool(stored)


async def delete_standing(conn: Connection, user_id: uuid.UUID) -> None:
    await conn.execute("delete from payment_standing where user_id = $1", user_id)
