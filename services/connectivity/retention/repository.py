"""Every SQL statement of retention: batched deletes, and the daily partitions of big tables."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.db import Connection

# Tables partitioned by UTC day on `at` (migration 0005), and tables purged row by row with the
# timestamp column that dates a row. Names come from here only, never from input.
PARTITIONED = ("meter_samples", "ocpp_frames")
DATED_ROWS = {
    "commands": "requested_at",
    "security_events": "at",
    "connector_status_history": "recorded_at",
    "command_secrets": "created_at",
}
# One batch of a purge: (conn, table, cutoff, batch size) → rows deleted.
BatchDelete = Callable[[Connection, str, datetime, int], Awaitable[int]]
_BOUND = re.compile(r"FROM \((?P<lower>[^)]*)\) TO \((?P<upper>[^)]*)\)")


@dataclass(frozen=True)
class Partition:
    name: str
    # None: unbounded below (MINVALUE), or the default partition (both None, `default` set).
    lower: datetime | None
    upper: datetime | None
    default: bool = False

    def expired(self, cutoff: datetime) -> bool:
        """Every row it can hold is older than the cutoff: drop it whole."""
        return not self.default and self.upper is not None and self.upper <= cutoff

    def covers(self, day: date) -> bool:
        start = datetime.combine(day, time(), UTC)
        return (
            not self.default
            and (self.lower is None or self.lower <= start)
            and (self.upper is not None and self.upper >= start + timedelta(days=1))
        )


def _bound(text: str) -> datetime | None:
    text = text.strip()
    if text.upper() == "MINVALUE":
        return None
    return datetime.fromisoformat(text.strip("'"))


def partition_name(table: str, day: date) -> str:
    return f"{table}_p{day:%Y%m%d}"


async def partitions(conn: Connection, table: str) -> list[Partition]:
    """The partitions of a table with their bounds."""
    async with conn.transaction():
        # Bounds are printed in the session's time zone and date style: make them parseable.
        await conn.execute("set local timezone to 'UTC'; set local datestyle to 'ISO'")
        rows = await conn.fetch(
            """select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
                 from pg_inherits i join pg_class c on c.oid = i.inhrelid
                where i.inhparent = $1::regclass order by c.relname""",
            table,
        )
    found = []
    for row in rows:
        match = _BOUND.search(row["bound"])
        if match is None:
            found.append(Partition(row["name"], None, None, default=True))
        else:
            found.append(Partition(row["name"], _bound(match["lower"]), _bound(match["upper"])))
    return found


async def _lock_briefly(conn: Connection, lock_timeout_s: float) -> None:
    """DDL on a partitioned table locks it: give up soon rather than queue every insert."""
    await conn.execute(f"set local lock_timeout = '{int(lock_timeout_s * 1000)}ms'")


async def create_day(conn: Connection, table: str, day: date, lock_timeout_s: float) -> int:
    """The day's partition; rows of that day waiting in the default partition move into it.

    Run in a transaction of its own (one day each).
    """
    assert table in PARTITIONED
    start = datetime.combine(day, time(), UTC)
    end = start + timedelta(days=1)
    await _lock_briefly(conn, lock_timeout_s)
    strays = await conn.fetchval(
        f"select count(*) from {table}_default where at >= $1 and at < $2",  # noqa: S608
        start,
        end,
    )
    if strays:
        # A partition cannot be created over rows the default partition holds for its range.
        await conn.execute(f"create temp table retention_strays (like {table}) on commit drop")
        await conn.execute(
            f"with moved as (delete from {table}_default where at >= $1 and at < $2 "  # noqa: S608
            "returning *) insert into retention_strays select * from moved",
            start,
            end,
        )
    await conn.execute(
        f"create table if not exists {partition_name(table, day)} partition of {table} "
        f"for values from ('{start.isoformat()}') to ('{end.isoformat()}')"
    )
    if strays:
        await conn.execute(f"insert into {table} select * from retention_strays")  # noqa: S608
    return int(strays)


async def drop_partition(conn: Connection, table: str, name: str, lock_timeout_s: float) -> None:
    assert table in PARTITIONED and name.startswith(f"{table}_")
    await _lock_briefly(conn, lock_timeout_s)
    await conn.execute(f'drop table if exists "{name}"')


async def delete_partition_rows_before(
    conn: Connection, partition: str, cutoff: datetime, batch_size: int
) -> int:
    """One batch of rows older than the cutoff out of a partition that is not one day (the
    default partition, or the legacy one from before partitioning)."""
    assert any(partition.startswith(f"{table}_") for table in PARTITIONED)
    return await _delete_batch(conn, f'"{partition}"', "at", cutoff, batch_size)


async def delete_rows_before(
    conn: Connection, table: str, cutoff: datetime, batch_size: int
) -> int:
    """One batch of rows older than the cutoff out of a table of `DATED_ROWS`."""
    return await _delete_batch(conn, table, DATED_ROWS[table], cutoff, batch_size)


async def _delete_batch(
    conn: Connection, table: str, column: str, cutoff: datetime, batch_size: int
) -> int:
    status = await conn.execute(
        f"""delete from {table} where ctid = any(array(
                select ctid from {table} where {column} < $1 limit $2))""",  # noqa: S608
        cutoff,
        batch_size,
    )
    return int(status.split()[-1])
