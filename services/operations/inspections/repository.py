"""Every SQL statement of inspections and their items."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

_COLUMNS = """id, plan_id, template_id, template_name, charge_point_id, site, due_at,
              overdue_at, status, completed_by, completed_at, note"""
_I_COLUMNS = """key, label, equipment_kind, inoperative_on_fail, result, note, photos"""


async def insert(
    conn: Connection, inspection_id: UUID, values: dict[str, Any], items: list[dict[str, Any]]
) -> bool:
    """Create an inspection with its checklist; false when the plan already has it."""
    created = await conn.fetchval(
        """insert into inspections (id, plan_id, template_id, template_name, charge_point_id,
                                    site, due_at, overdue_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           on conflict (plan_id, charge_point_id, due_at) do nothing
           returning true""",
        inspection_id,
        values["plan_id"],
        values["template_id"],
        values["template_name"],
        values["charge_point_id"],
        values["site"],
        values["due_at"],
        values["overdue_at"],
    )
    if not created:
        return False
    await conn.executemany(
        """insert into inspection_items
               (inspection_id, position, key, label, equipment_kind, inoperative_on_fail)
           values ($1, $2, $3, $4, $5, $6)""",
        [
            (
                inspection_id,
                position,
                item["key"],
                item["label"],
                item["equipment_kind"],
                item["inoperative_on_fail"],
            )
            for position, item in enumerate(items)
        ],
    )
    return True


async def get(
    conn: Connection, inspection_id: UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(
        f"select {_COLUMNS} from inspections where id = $1{lock}",  # noqa: S608
        inspection_id,
    )


async def items(conn: Connection, inspection_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {_I_COLUMNS} from inspection_items
             where inspection_id = $1 order by position""",  # noqa: S608
        inspection_id,
    )


async def search(
    conn: Connection,
    *,
    status: str | None,
    charge_point_id: str | None,
    overdue: bool | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {_COLUMNS} from inspections
             where ($1::text is null or status = $1)
               and ($2::text is null or charge_point_id = $2)
               and ($3::boolean is null
                    or $3 = (status = 'due' and overdue_at <= now()))
             order by due_at, id
             limit $4 offset $5""",  # noqa: S608
        status,
        charge_point_id,
        overdue,
        limit,
        offset,
    )


async def record_item(
    conn: Connection,
    inspection_id: UUID,
    key: str,
    result: str,
    note: str | None,
    photos: list[str],
) -> None:
    await conn.execute(
        """update inspection_items set result = $3, note = $4, photos = $5
            where inspection_id = $1 and key = $2""",
        inspection_id,
        key,
        result,
        note,
        photos,
    )


async def complete(
    conn: Connection, inspection_id: UUID, by: str, note: str | None, at: datetime
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""update inspections set status = 'completed', completed_by = $2, completed_at = $4,
                   note = $3
             where id = $1 and status = 'due'
            returning {_COLUMNS}""",  # noqa: S608
        inspection_id,
        by,
        note,
        at,
    )


async def cancel(conn: Connection, inspection_id: UUID, by: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""update inspections set status = 'cancelled', completed_by = $2,
                   completed_at = now()
             where id = $1 and status = 'due'
            returning {_COLUMNS}""",  # noqa: S608
        inspection_id,
        by,
    )


async def claim_overdue(conn: Connection, now: datetime, limit: int) -> list[asyncpg.Record]:
    """Due inspections past their overdue time and not yet alerted; one replica claims each."""
    return await conn.fetch(
        f"""with due as (
                select id from inspections
                 where status = 'due' and not overdue_alerted and overdue_at <= $1
                 order by overdue_at limit $2
                 for update skip locked)
            update inspections i set overdue_alerted = true
              from due where i.id = due.id
            returning {", ".join("i." + c.strip() for c in _COLUMNS.split(","))}""",  # noqa: S608
        now,
        limit,
    )
