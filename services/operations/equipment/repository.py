"""Every SQL statement of security equipment."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

_COLUMNS = """id, charge_point_id, kind, label, state, last_tested_at, notes, created_at,
              updated_at"""
_UPDATABLE = ("label", "state", "last_tested_at", "notes")


async def insert(conn: Connection, equipment_id: UUID, values: dict[str, Any]) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""insert into security_equipment
               (id, charge_point_id, kind, label, state, last_tested_at, notes)
            values ($1, $2, $3, $4, $5, $6, $7)
            returning {_COLUMNS}""",  # noqa: S608
        equipment_id,
        values["charge_point_id"],
        values["kind"],
        values.get("label"),
        values.get("state", "working"),
        values.get("last_tested_at"),
        values.get("notes"),
    )
    assert row is not None
    return row


async def get(conn: Connection, equipment_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {_COLUMNS} from security_equipment where id = $1",  # noqa: S608
        equipment_id,
    )


async def update(
    conn: Connection, equipment_id: UUID, changes: dict[str, Any]
) -> asyncpg.Record | None:
    fields = [name for name in _UPDATABLE if name in changes]
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    return await conn.fetchrow(
        f"""update security_equipment set {assignments}{", " if fields else ""}updated_at = now()
             where id = $1 returning {_COLUMNS}""",  # noqa: S608
        equipment_id,
        *[changes[name] for name in fields],
    )


async def delete(conn: Connection, equipment_id: UUID) -> bool:
    return await conn.execute("delete from security_equipment where id = $1", equipment_id) != (
        "DELETE 0"
    )


async def list_for(
    conn: Connection, charge_point_id: str | None, kind: str | None, limit: int, offset: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {_COLUMNS} from security_equipment
             where ($1::text is null or charge_point_id = $1)
               and ($2::text is null or kind = $2)
             order by charge_point_id, kind, created_at
             limit $3 offset $4""",  # noqa: S608
        charge_point_id,
        kind,
        limit,
        offset,
    )


async def working_kinds(conn: Connection, charge_point_id: str) -> set[str]:
    rows = await conn.fetch(
        """select distinct kind from security_equipment
            where charge_point_id = $1 and state = 'working'""",
        charge_point_id,
    )
    return {row["kind"] for row in rows}


async def record_tests(
    conn: Connection, charge_point_id: str, results: dict[str, str], at: datetime
) -> None:
    """An inspection tested these kinds (kind -> new state): all items of the kind count."""
    for kind, state in results.items():
        await conn.execute(
            """update security_equipment set last_tested_at = $3, state = $4, updated_at = now()
                where charge_point_id = $1 and kind = $2""",
            charge_point_id,
            kind,
            at,
            state,
        )
