"""Every SQL statement of maintenance windows."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

import asyncpg

from shared.db import Connection

_COLUMNS = """id, charge_point_id, connector_id, lower(during) as starts_at,
              upper(during) as ends_at, reason, source, created_by, operations_window_id"""


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
             where ($1::text is null or charge_point_id = $1)
               and (upper_inf(during) or upper(during) > $2)
             order by lower(during), id limit $3""",  # noqa: S608
        charge_point_id,
        ending_after,
        limit,
    )


async def get(conn: Connection, window_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {_COLUMNS} from maintenance_windows where id = $1",  # noqa: S608
        window_id,
    )


async def delete(conn: Connection, window_id: UUID) -> bool:
    deleted = await conn.fetchval(
        "delete from maintenance_windows where id = $1 returning true", window_id
    )
    return bool(deleted)


# -- windows published by operations -------------------------------------------------------------

_OPERATIONS = """window_id, work_order_id, charge_point_id, connector_id, starts_at, ends_at,
                 scheduled_event_at, ended_at"""


async def save_scheduled(
    conn: Connection,
    *,
    window_id: str,
    work_order_id: str,
    charge_point_id: str,
    connector_id: int | None,
    starts_at: datetime,
    ends_at: datetime | None,
    event_at: datetime,
) -> asyncpg.Record | None:
    """Record a scheduled (or re-scheduled) window; None when a newer schedule is stored."""
    return await conn.fetchrow(
        f"""insert into operations_windows
               (window_id, work_order_id, charge_point_id, connector_id, starts_at, ends_at,
                scheduled_event_at)
            values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (window_id) do update
               set work_order_id = excluded.work_order_id,
                   charge_point_id = excluded.charge_point_id,
                   connector_id = excluded.connector_id, starts_at = excluded.starts_at,
                   ends_at = excluded.ends_at, scheduled_event_at = excluded.scheduled_event_at,
                   updated_at = now()
             where operations_windows.scheduled_event_at is null
                or operations_windows.scheduled_event_at < excluded.scheduled_event_at
            returning {_OPERATIONS}""",  # noqa: S608
        window_id,
        work_order_id,
        charge_point_id,
        connector_id,
        starts_at,
        ends_at,
        event_at,
    )


async def save_ended(
    conn: Connection,
    *,
    window_id: str,
    work_order_id: str,
    charge_point_id: str,
    connector_id: int | None,
    ended_at: datetime,
) -> asyncpg.Record:
    """Record the end (the first one known stays: an end is final)."""
    row = await conn.fetchrow(
        f"""insert into operations_windows
               (window_id, work_order_id, charge_point_id, connector_id, ended_at)
            values ($1, $2, $3, $4, $5)
            on conflict (window_id) do update
               set ended_at = coalesce(operations_windows.ended_at, excluded.ended_at),
                   updated_at = now()
            returning {_OPERATIONS}""",  # noqa: S608
        window_id,
        work_order_id,
        charge_point_id,
        connector_id,
        ended_at,
    )
    assert row is not None
    return row


async def put_published(
    conn: Connection,
    *,
    window_id: str,
    charge_point_id: str,
    connector_id: int | None,
    starts_at: datetime,
    ends_at: datetime | None,
    reason: str,
) -> asyncpg.Record:
    """The effective window of an operations window (`ends_at` None: open-ended)."""
    row = await conn.fetchrow(
        f"""insert into maintenance_windows
               (id, charge_point_id, connector_id, during, reason, source, created_by,
                operations_window_id)
            values ($1, $2, $3, tstzrange($4, $5, '[)'), $6, 'operations', 'operations', $7)
            on conflict (operations_window_id) do update
               set charge_point_id = excluded.charge_point_id,
                   connector_id = excluded.connector_id, during = excluded.during
            returning {_COLUMNS}""",  # noqa: S608
        uuid.uuid4(),
        charge_point_id,
        connector_id,
        starts_at,
        ends_at,
        reason,
        window_id,
    )
    assert row is not None
    return row


async def remove_published(conn: Connection, window_id: str) -> None:
    await conn.execute("delete from maintenance_windows where operations_window_id = $1", window_id)
