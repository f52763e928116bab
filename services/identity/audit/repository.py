"""SQL of the audit log."""

from __future__ import annotations

from typing import Any

from shared.db import Connection


async def record(
    conn: Connection,
    action: str,
    *,
    outcome: str = "success",
    actor_id: str | None = None,
    subject_id: str | None = None,
    client_address: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        """insert into audit_log (action, outcome, actor_id, subject_id, client_address, details)
           values ($1, $2, $3, $4, $5, $6)""",
        action,
        outcome,
        actor_id,
        subject_id,
        client_address,
        details or {},
    )


async def list_entries(
    conn: Connection,
    *,
    action: str | None,
    subject_id: str | None,
    actor_id: str | None,
    before_id: int | None,
    limit: int,
) -> list[Any]:
    return await conn.fetch(
        """select id, at, action, outcome, actor_id, subject_id, client_address, details
             from audit_log
            where ($1::text is null or action = $1)
              and ($2::text is null or subject_id = $2)
              and ($3::text is null or actor_id = $3)
              and ($4::bigint is null or id < $4)
            order by id desc
            limit $5""",
        action,
        subject_id,
        actor_id,
        before_id,
        limit,
    )


async def purge_older_than(conn: Connection, *, days: int, batch: int = 10_000) -> int:
    """Delete up to `batch` entries older than `days` (oldest first); returns how many.

    Bounded per call so one maintenance round never holds a long transaction; the loop comes
    back every interval until the backlog is gone.
    """
    result = await conn.execute(
        """delete from audit_log
            where id in (select id from audit_log
                          where at < now() - make_interval(days => $1)
                          order by at limit $2)""",
        days,
        batch,
    )
    return int(result.split()[-1])
