"""Every SQL statement of tickets and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

COLUMNS = """id, driver_id, category, priority, status, subject, description, session_id,
             charge_point_id, reservation_id, invoice_id, assignee, origin, created_at,
             updated_at, resolved_at, closed_at, sla_elapsed_s, sla_running_since,
             first_response_at, first_response_due_at, resolution_due_at,
             first_response_breached_at, resolution_breached_at"""

# The columns a change may write (names never come from a request).
_WRITABLE = frozenset(
    {
        "priority",
        "category",
        "status",
        "assignee",
        "updated_at",
        "resolved_at",
        "closed_at",
        "sla_elapsed_s",
        "sla_running_since",
        "first_response_at",
        "first_response_due_at",
        "resolution_due_at",
        "first_response_breached_at",
        "resolution_breached_at",
    }
)

# Breached now: a breach already flagged, or a running deadline passed ($1 is now).
# coalesce: a null deadline (paused, answered) compares to null, and "not null" is not true.
BREACHED = """coalesce(first_response_breached_at is not null
                        or resolution_breached_at is not null
                        or (first_response_at is null and first_response_due_at <= $1)
                        or resolution_due_at <= $1, false)"""


async def insert(conn: Connection, values: dict[str, Any]) -> asyncpg.Record | None:
    """None when an automatic ticket with the same key exists (the unique key decides)."""
    names = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    return await conn.fetchrow(
        f"""insert into tickets ({", ".join(names)}) values ({placeholders})
            on conflict (automatic_key) do nothing
            returning {COLUMNS}""",  # noqa: S608
        *values.values(),
    )


async def get(
    conn: Connection, ticket_id: UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(f"select {COLUMNS} from tickets where id = $1{lock}", ticket_id)  # noqa: S608


async def update(conn: Connection, ticket_id: UUID, changes: dict[str, Any]) -> asyncpg.Record:
    unknown = set(changes) - _WRITABLE
    if unknown:
        raise ValueError(f"not writable: {sorted(unknown)}")
    names = list(changes)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
    row = await conn.fetchrow(
        f"update tickets set {assignments} where id = $1 returning {COLUMNS}",  # noqa: S608
        ticket_id,
        *changes.values(),
    )
    assert row is not None
    return row


async def of_driver(
    conn: Connection, driver_id: str, *, limit: int, offset: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {COLUMNS} from tickets where driver_id = $1
             order by created_at desc, id limit $2 offset $3""",  # noqa: S608
        driver_id,
        limit,
        offset,
    )


async def queue(
    conn: Connection,
    now: datetime,
    *,
    statuses: list[str] | None,
    categories: list[str] | None,
    priorities: list[str] | None,
    assignee: str | None,
    unassigned: bool,
    breached: bool | None,
    driver_id: str | None,
    text: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    """The staff queue: filters combine with AND; a search ranks by relevance, else oldest
    first (the ticket waiting longest on top)."""
    where = ["true"]
    args: list[Any] = [now]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if statuses:
        where.append(f"status = any({arg(statuses)}::text[])")
    if categories:
        where.append(f"category = any({arg(categories)}::text[])")
    if priorities:
        where.append(f"priority = any({arg(priorities)}::text[])")
    if assignee is not None:
        where.append(f"assignee = {arg(assignee)}")
    if unassigned:
        where.append("assignee is null")
    if driver_id is not None:
        where.append(f"driver_id = {arg(driver_id)}")
    if breached is not None:
        where.append(BREACHED if breached else f"not {BREACHED}")
    order = "created_at, id"
    if text:
        query = arg(text)
        where.append(f"search @@ websearch_to_tsquery('simple', {query})")
        order = f"ts_rank(search, websearch_to_tsquery('simple', {query})) desc, created_at, id"
    return await conn.fetch(
        f"""select {COLUMNS}, {BREACHED} as breached from tickets
             where {" and ".join(where)}
             order by {order} limit {arg(limit)} offset {arg(offset)}""",  # noqa: S608
        *args,
    )


async def add_message(
    conn: Connection,
    *,
    message_id: UUID,
    ticket_id: UUID,
    author: str,
    author_kind: str,
    visibility: str,
    body: str,
    at: datetime,
) -> None:
    await conn.execute(
        """insert into ticket_messages (id, ticket_id, author, author_kind, visibility, body,
                                        created_at)
           values ($1, $2, $3, $4, $5, $6, $7)""",
        message_id,
        ticket_id,
        author,
        author_kind,
        visibility,
        body,
        at,
    )
    await conn.execute(
        "update tickets set conversation = conversation || ' ' || $2, updated_at = $3 "
        "where id = $1",
        ticket_id,
        body,
        at,
    )


async def messages(conn: Connection, ticket_id: UUID, *, public_only: bool) -> list[asyncpg.Record]:
    visibility = " and visibility = 'public'" if public_only else ""
    return await conn.fetch(
        f"""select id, author, author_kind, visibility, body, created_at from ticket_messages
             where ticket_id = $1{visibility} order by seq""",  # noqa: S608
        ticket_id,
    )


async def due_breaches(conn: Connection, now: datetime, limit: int = 200) -> list[asyncpg.Record]:
    """Tickets whose running deadline passed and is not flagged yet; `skip locked` lets
    replicas share the work."""
    return await conn.fetch(
        f"""select {COLUMNS} from tickets
             where (first_response_at is null and first_response_breached_at is null
                    and first_response_due_at <= $1)
                or (resolution_breached_at is null and resolution_due_at <= $1)
             order by created_at limit $2 for update skip locked""",  # noqa: S608
        now,
        limit,
    )


async def due_closures(
    conn: Connection, resolved_before: datetime, limit: int = 200
) -> list[asyncpg.Record]:
    """Resolved tickets resolved before the instant; `skip locked` lets replicas share them."""
    return await conn.fetch(
        f"""select {COLUMNS} from tickets
             where status = 'resolved' and resolved_at <= $1
             order by resolved_at limit $2 for update skip locked""",  # noqa: S608
        resolved_before,
        limit,
    )


async def open_of_driver(conn: Connection, driver_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {COLUMNS} from tickets where driver_id = $1 and status <> 'closed'
             order by created_at for update""",  # noqa: S608
        driver_id,
    )


async def anonymise_driver(conn: Connection, driver_id: str, placeholder: str) -> int:
    """Drop the words of a deleted account's tickets: subject, description, every message."""
    await conn.execute(
        """update ticket_messages set body = $2
            where ticket_id in (select id from tickets where driver_id = $1)""",
        driver_id,
        placeholder,
    )
    status = await conn.execute(
        """update tickets set subject = $2, description = $2, conversation = ''
            where driver_id = $1""",
        driver_id,
        placeholder,
    )
    return int(status.split()[-1])
