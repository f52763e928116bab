"""Every SQL statement of the frame log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from shared.db import Connection

COLUMNS = ("charge_point_id", "direction", "at", "message_type", "unique_id", "action", "payload")


async def insert_many(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    await conn.copy_records_to_table("ocpp_frames", records=rows, columns=COLUMNS)


async def purge(conn: Connection, retention_days: int) -> int:
    status = await conn.execute(
        "delete from ocpp_frames where at < now() - make_interval(days => $1)", retention_days
    )
    return int(status.split()[-1])


async def list_frames(
    conn: Connection,
    cp_id: str,
    *,
    action: str | None,
    since: datetime | None,
    limit: int,
    before_id: int | None,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select id, direction, at, message_type, unique_id, action, payload from ocpp_frames
            where charge_point_id = $1 and ($2::text is null or action = $2)
              and ($3::timestamptz is null or at >= $3) and ($5::bigint is null or id < $5)
            order by id desc limit $4""",
        cp_id,
        action,
        since,
        limit,
        before_id,
    )
