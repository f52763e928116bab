"""Every SQL statement of the frame log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from services.connectivity.retention import repository as retention
from shared.db import Connection

TABLE = "ocpp_frames"
_DEFAULT_PURGE_BATCH = 100_000
COLUMNS = ("charge_point_id", "direction", "at", "message_type", "unique_id", "action", "payload")


async def insert_many(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    await conn.copy_records_to_table("ocpp_frames", records=rows, columns=COLUMNS)


async def purge(conn: Connection, retention_days: int, lock_timeout_s: float = 2.0) -> int:
    """Drop the days past retention; delete old strays of the default partition (rows deleted).

    The retention job (`services/connectivity/retention`) does this on its own schedule for
    every partitioned table; this keeps the hub's older periodic call meaningful.
    """
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    deleted = 0
    for partition in await retention.partitions(conn, TABLE):
        if partition.expired(cutoff):
            await retention.drop_partition(conn, TABLE, partition.name, lock_timeout_s)
        elif partition.lower is None:
            deleted += await retention.delete_partition_rows_before(
                conn, partition.name, cutoff, _DEFAULT_PURGE_BATCH
            )
    return deleted


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
