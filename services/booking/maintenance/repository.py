"""Every SQL statement of maintenance windows."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from shared.db import Connection

_COLUMNS = """id, charge_point_id, connector_id, lower(during) as starts_at,
              upper(during) as ends_at, reason, source, created_by"""


async def insert(
    conn: Connection,
    window_id: UUID,
    charge_point_id: str,
    connector_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str | None,
    source: str,
    created_by: str | None,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""insert into maintenance_windows
               (id, charge_point_id, connector_id, during, reason, source, created_by)
            values ($1, $2, $3, tstzrange($4, $5, '[)'), $6, $7, $8)
            returning {_COLUMNS}""",  # noqa: S608
        window_id,
        charge_point_id,
        connector_id,
        starts_at,
        ends_at,
        reason,
        source,
        created_by,
    )
    assert row is not None
    return row


async def list_(
    conn: Connection, charge_point_id: str | None, ending_after: datetime, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {_COLUMNS} from maintenance_windows
             where ($1::text is null or charge_point_id = $1) and upper(during) > $2
             order by lower(during), id limit $3""",  # noqa: S608
        charge_point_id,
        ending_after,
        limit,
    )


async def delete(conn: Connection, window_id: UUID) -> bool:
    deleted = await conn.fetchval(
        "delete from maintenance_windows where id = $1 returning true", window_id
    )
    return bool(deleted)
