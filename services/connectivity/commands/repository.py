"""Every SQL statement of remote commands."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

_COLUMNS = """id, charge_point_id, action, payload, status, result, error, requested_by,
              requested_at, completed_at, timeout_s"""


async def insert(
    conn: Connection,
    command_id: UUID,
    cp_id: str,
    action: str,
    payload: dict[str, Any],
    timeout_s: float,
    requested_by: str | None,
    status: str = "Pending",
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""insert into commands (id, charge_point_id, action, payload, status, requested_by,
                                  timeout_s, completed_at)
            values ($1, $2, $3, $4, $5, $6, $7, case when $5 = 'Pending' then null else now() end)
            on conflict (id) do nothing
            returning {_COLUMNS}""",  # noqa: S608
        command_id,
        cp_id,
        action,
        payload,
        status,
        requested_by,
        timeout_s,
    )


async def get(conn: Connection, command_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"select {_COLUMNS} from commands where id = $1", command_id)  # noqa: S608


async def complete(
    conn: Connection,
    command_id: UUID,
    status: str,
    result: dict[str, Any] | None,
    error: str | None,
) -> asyncpg.Record | None:
    """Settle a pending command; None when another replica settled it first."""
    return await conn.fetchrow(
        f"""update commands set status = $2, result = $3, error = $4, completed_at = now()
             where id = $1 and status = 'Pending' returning {_COLUMNS}""",  # noqa: S608
        command_id,
        status,
        result,
        error,
    )


async def list_for(conn: Connection, cp_id: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"select {_COLUMNS} from commands where charge_point_id = $1 "  # noqa: S608
        "order by requested_at desc limit $2",
        cp_id,
        limit,
    )
