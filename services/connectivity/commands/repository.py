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
    error: str | None = None,
) -> asyncpg.Record | None:
    """The new command row; None when a row with this id exists already."""
    return await conn.fetchrow(
        f"""insert into commands (id, charge_point_id, action, payload, status, requested_by,
                                  timeout_s, error, completed_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8,
                    case when $5 = 'Pending' then null else now() end)
            on conflict (id) do nothing
            returning {_COLUMNS}""",  # noqa: S608
        command_id,
        cp_id,
        action,
        payload,
        status,
        requested_by,
        timeout_s,
        error,
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


async def list_for(
    conn: Connection, cp_id: str, limit: int, requested_by: str | None
) -> list[asyncpg.Record]:
    """The charger's commands, newest first; only those of `requested_by` when given."""
    return await conn.fetch(
        f"select {_COLUMNS} from commands where charge_point_id = $1 "  # noqa: S608
        "and ($3::text is null or requested_by = $3) order by requested_at desc limit $2",
        cp_id,
        limit,
        requested_by,
    )


# -- clear payloads of commands that carry a secret, until they settle ----------------------


async def withhold_secret(conn: Connection, command_id: UUID, payload: dict[str, Any]) -> None:
    await conn.execute(
        "insert into command_secrets (command_id, payload) values ($1, $2)", command_id, payload
    )


async def clear_payload(conn: Connection, command_id: UUID) -> dict[str, Any] | None:
    payload: dict[str, Any] | None = await conn.fetchval(
        "select payload from command_secrets where command_id = $1", command_id
    )
    return payload


async def forget_secret(conn: Connection, command_id: UUID) -> None:
    await conn.execute("delete from command_secrets where command_id = $1", command_id)
