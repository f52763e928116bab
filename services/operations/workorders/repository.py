"""Every SQL statement of work orders, their notes and the technicians read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

COLUMNS = """id, title, description, charge_point_id, connector_id, site, priority, status,
             assignee, source, alert_id, inspection_id, inspection_item, requires_inoperative,
             window_starts_at, window_ends_at, availability, availability_command,
             availability_detail, availability_requested_at, created_by, created_at, updated_at,
             closed_at"""
_UPDATABLE = (
    "title",
    "description",
    "priority",
    "status",
    "assignee",
    "requires_inoperative",
    "window_starts_at",
    "window_ends_at",
    "availability",
    "availability_command",
    "availability_detail",
    "availability_requested_at",
    "closed_at",
)


async def insert(
    conn: Connection, work_order_id: UUID, values: dict[str, Any]
) -> asyncpg.Record | None:
    """None when the alert or the failed inspection item already has its work order."""
    return await conn.fetchrow(
        f"""insert into work_orders
               (id, title, description, charge_point_id, connector_id, site, priority, status,
                assignee, source, alert_id, inspection_id, inspection_item,
                requires_inoperative, window_starts_at, window_ends_at, created_by)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
            on conflict do nothing
            returning {COLUMNS}""",  # noqa: S608
        work_order_id,
        values["title"],
        values.get("description"),
        values["charge_point_id"],
        values.get("connector_id"),
        values.get("site"),
        values.get("priority", "normal"),
        values.get("status", "open"),
        values.get("assignee"),
        values["source"],
        values.get("alert_id"),
        values.get("inspection_id"),
        values.get("inspection_item"),
        values.get("requires_inoperative", False),
        values.get("window_starts_at"),
        values.get("window_ends_at"),
        values["created_by"],
    )


async def get(
    conn: Connection, work_order_id: UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(
        f"select {COLUMNS} from work_orders where id = $1{lock}",  # noqa: S608
        work_order_id,
    )


async def update(conn: Connection, work_order_id: UUID, changes: dict[str, Any]) -> asyncpg.Record:
    fields = [name for name in _UPDATABLE if name in changes]
    assignments = "".join(f"{name} = ${i}, " for i, name in enumerate(fields, start=2))
    row = await conn.fetchrow(
        f"""update work_orders set {assignments}updated_at = now()
             where id = $1 returning {COLUMNS}""",  # noqa: S608
        work_order_id,
        *[changes[name] for name in fields],
    )
    assert row is not None
    return row


async def search(
    conn: Connection,
    *,
    statuses: list[str] | None,
    charge_point_id: str | None,
    assignee: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {COLUMNS} from work_orders
             where ($1::text[] is null or status = any($1))
               and ($2::text is null or charge_point_id = $2)
               and ($3::text is null or assignee = $3)
             order by created_at desc, id
             limit $4 offset $5""",  # noqa: S608
        statuses,
        charge_point_id,
        assignee,
        limit,
        offset,
    )


async def for_inspection(conn: Connection, inspection_id: UUID) -> dict[str, str]:
    rows = await conn.fetch(
        """select inspection_item, id from work_orders
            where inspection_id = $1 and source = 'inspection'""",
        inspection_id,
    )
    return {row["inspection_item"]: str(row["id"]) for row in rows}


async def by_command(conn: Connection, command_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {COLUMNS} from work_orders where availability_command = $1 for update",  # noqa: S608
        command_id,
    )


async def others_holding(
    conn: Connection, work_order_id: UUID, charge_point_id: str
) -> list[asyncpg.Record]:
    """The charger's other open orders that keep a connector (or all of it) out of use."""
    return await conn.fetch(
        f"""select {COLUMNS} from work_orders
             where id <> $1 and charge_point_id = $2 and closed_at is null
               and requires_inoperative
               and availability in ('inoperative_requested', 'inoperative')
             order by created_at""",  # noqa: S608
        work_order_id,
        charge_point_id,
    )


async def pending_for(conn: Connection, charge_point_id: str) -> list[asyncpg.Record]:
    """Orders of a charger whose availability change is still unconfirmed, locked. Waits for
    a row another transaction holds (e.g. the answer to the first attempt being recorded):
    skipping it would lose the resend the reconnect owes it."""
    return await conn.fetch(
        f"""select {COLUMNS} from work_orders
             where charge_point_id = $1
               and availability in ('inoperative_requested', 'operative_requested')
             order by created_at
             for update""",  # noqa: S608
        charge_point_id,
    )


async def claim_window_starts(conn: Connection, now: datetime, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {COLUMNS} from work_orders
             where availability = 'scheduled' and window_starts_at <= $1 and closed_at is null
             order by window_starts_at limit $2
             for update skip locked""",  # noqa: S608
        now,
        limit,
    )


async def claim_unanswered(
    conn: Connection, sent_before: datetime, limit: int
) -> list[asyncpg.Record]:
    """Changes sent long ago with no answer, or timed out (lost on the way, or never executed)."""
    return await conn.fetch(
        f"""select {COLUMNS} from work_orders
             where availability in ('inoperative_requested', 'operative_requested')
               and availability_requested_at < $1
               and (availability_detail is null or availability_detail like 'Timeout%')
             order by availability_requested_at limit $2
             for update skip locked""",  # noqa: S608
        sent_before,
        limit,
    )


async def add_note(conn: Connection, work_order_id: UUID, author: str, body: str) -> None:
    await conn.execute(
        "insert into work_order_notes (work_order_id, author, body) values ($1, $2, $3)",
        work_order_id,
        author,
        body,
    )


async def notes(conn: Connection, work_order_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select author, body, at from work_order_notes where work_order_id = $1 order by id",
        work_order_id,
    )


# -- technicians (from identity.users.v1) -----------------------------------------------------


async def set_technician(conn: Connection, user_id: str, is_technician: bool) -> None:
    if is_technician:
        await conn.execute(
            """insert into technicians (user_id) values ($1)
               on conflict (user_id) do update set updated_at = now()""",
            user_id,
        )
    else:
        await conn.execute("delete from technicians where user_id = $1", user_id)


async def set_technician_disabled(conn: Connection, user_id: str, disabled: bool) -> None:
    await conn.execute(
        "update technicians set disabled = $2, updated_at = now() where user_id = $1",
        user_id,
        disabled,
    )


async def is_technician(conn: Connection, user_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "select true from technicians where user_id = $1 and not disabled", user_id
        )
    )
