"""Every SQL statement of checklist templates and maintenance plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

_T_COLUMNS = """id, key, name, description, default_interval_days, items, builtin, created_at,
                updated_at, retired_at"""
_T_UPDATABLE = ("name", "description", "default_interval_days", "items", "retired_at")
_P_COLUMNS = """id, name, template_id, charge_point_id, site, interval_days, grace_days,
                next_due_at, active, created_by, created_at"""
_P_UPDATABLE = ("name", "interval_days", "grace_days", "next_due_at", "active")


async def insert_template(
    conn: Connection, template_id: UUID, values: dict[str, Any]
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""insert into checklist_templates
               (id, key, name, description, default_interval_days, items)
            values ($1, $2, $3, $4, $5, $6)
            on conflict (key) do nothing
            returning {_T_COLUMNS}""",  # noqa: S608
        template_id,
        values["key"],
        values["name"],
        values["description"],
        values["default_interval_days"],
        values["items"],
    )


async def get_template(conn: Connection, template_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {_T_COLUMNS} from checklist_templates where id = $1",  # noqa: S608
        template_id,
    )


async def lock_template(
    conn: Connection, template_id: UUID, *, exclusive: bool
) -> asyncpg.Record | None:
    """The template, locked: `for share` by whoever builds on it (a plan, an inspection), `for
    update` by whoever changes or retires it, so a retirement and a new plan never cross."""
    mode = "update" if exclusive else "share"
    return await conn.fetchrow(
        f"select {_T_COLUMNS} from checklist_templates where id = $1 for {mode}",  # noqa: S608
        template_id,
    )


async def update_template(
    conn: Connection, template_id: UUID, changes: dict[str, Any]
) -> asyncpg.Record | None:
    fields = [name for name in _T_UPDATABLE if name in changes]
    assignments = "".join(f"{name} = ${i}, " for i, name in enumerate(fields, start=2))
    return await conn.fetchrow(
        f"""update checklist_templates set {assignments}updated_at = now()
             where id = $1 returning {_T_COLUMNS}""",  # noqa: S608
        template_id,
        *[changes[name] for name in fields],
    )


async def count_active_plans(conn: Connection, template_id: UUID) -> int:
    count: int = await conn.fetchval(
        "select count(*) from maintenance_plans where template_id = $1 and active", template_id
    )
    return count


async def list_templates(conn: Connection, retired: bool | None) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {_T_COLUMNS} from checklist_templates
             where $1::boolean is null or (retired_at is not null) = $1
             order by builtin desc, name""",  # noqa: S608
        retired,
    )


async def insert_plan(conn: Connection, plan_id: UUID, values: dict[str, Any]) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""insert into maintenance_plans
               (id, name, template_id, charge_point_id, site, interval_days, grace_days,
                next_due_at, created_by)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            returning {_P_COLUMNS}""",  # noqa: S608
        plan_id,
        values["name"],
        values["template_id"],
        values["charge_point_id"],
        values["site"],
        values["interval_days"],
        values["grace_days"],
        values["next_due_at"],
        values["created_by"],
    )
    assert row is not None
    return row


async def get_plan(conn: Connection, plan_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {_P_COLUMNS} from maintenance_plans where id = $1",  # noqa: S608
        plan_id,
    )


async def update_plan(
    conn: Connection, plan_id: UUID, changes: dict[str, Any]
) -> asyncpg.Record | None:
    fields = [name for name in _P_UPDATABLE if changes.get(name) is not None]
    if not fields:
        return await get_plan(conn, plan_id)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    return await conn.fetchrow(
        f"update maintenance_plans set {assignments} where id = $1 returning {_P_COLUMNS}",  # noqa: S608
        plan_id,
        *[changes[name] for name in fields],
    )


async def list_plans(
    conn: Connection, charge_point_id: str | None, site: str | None, active: bool | None
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {_P_COLUMNS} from maintenance_plans
             where ($1::text is null or charge_point_id = $1)
               and ($2::text is null or site = $2)
               and ($3::boolean is null or active = $3)
             order by next_due_at, id""",  # noqa: S608
        charge_point_id,
        site,
        active,
    )


async def claim_due_plans(conn: Connection, horizon: datetime, limit: int) -> list[asyncpg.Record]:
    """Active plans whose next inspection falls within the horizon, locked for this replica."""
    return await conn.fetch(
        f"""select {_P_COLUMNS} from maintenance_plans
             where active and next_due_at <= $1
             order by next_due_at
             limit $2
             for update skip locked""",  # noqa: S608
        horizon,
        limit,
    )


async def advance_plan(conn: Connection, plan_id: UUID, next_due_at: datetime) -> None:
    await conn.execute(
        "update maintenance_plans set next_due_at = $2 where id = $1", plan_id, next_due_at
    )
