"""Daily rollups per connector, kept by a periodic job and read by the station ranking.

The ingest marks a charge point stale from the local day of each event it writes (in the same
transaction, and only for days already rolled up); the job recomputes stale charge points'
days, a batch of charge points per transaction, with the very code that computes them at request time (`operators.connector_cells`, day
granularity) and replaces its rows. Once a day it extends the rollups to yesterday by marking
every charge point stale from the first new day. So the rollups are a pure function of the
fact tables: idempotent, and identical after a replay. Only whole past days are rolled up;
today is always computed live.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from services.analytics.settings import Settings
from services.analytics.stats import operators
from services.analytics.stats import rollup_repository as repository
from shared.clock import utc_now
from shared.db import Connection

log = structlog.get_logger(__name__)
# Charge points recomputed per transaction, and days per query (bound the rows held at once).
BATCH = 100
CHUNK_DAYS = 92
EARLIEST = date(2000, 1, 1)


def microseconds(seconds: float) -> int:
    return round(seconds * 1_000_000)


def yesterday(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date() - timedelta(days=1)


async def extend(conn: Connection, settings: Settings, now: datetime) -> None:
    """Roll up to yesterday: the new days of every charge point become stale (a change of time
    zone starts again from nothing)."""
    rolled, timezone = await repository.lock_state(conn)
    if timezone is not None and timezone != settings.timezone:
        await repository.forget_everything(conn)
        rolled = None
    target = yesterday(settings, now)
    first_new = rolled + timedelta(days=1) if rolled is not None else EARLIEST
    if first_new <= target or timezone != settings.timezone:
        await repository.mark_every_charge_point(conn, first_new)
        await repository.set_state(conn, max(target, rolled or target), settings.timezone)


def _rows(
    cells: dict[tuple[str, int], list[operators.Cell]], tz: ZoneInfo, starts: dict[str, date]
) -> list[tuple[Any, ...]]:
    """The non-empty connector-days of the cells, from each charge point's first stale day."""
    rows = []
    for (cp, connector), row_cells in cells.items():
        for cell in row_cells:
            assert cell.uptime is not None
            day = cell.period.start.astimezone(tz).date()
            figures = (
                cell.sessions,
                cell.energy_wh,
                cell.revenue_minor,
                microseconds(cell.occupied_s),
                microseconds(cell.charging_s),
                microseconds(cell.uptime.up_s),
                microseconds(cell.uptime.available_s),
                microseconds(cell.uptime.known_s),
                sum(cell.uptime.faults.values()),
                cell.bookings,
                cell.fulfilled,
                cell.no_shows,
            )
            if day >= starts[cp] and any(figures):
                rows.append((cp, connector, day, *figures))
    return rows


async def roll_up(
    conn: Connection, settings: Settings, stale: dict[str, date], last: date, now: datetime
) -> None:
    """Recompute the days from each charge point's stale day to `last` (nothing is known before
    its first fact), a chunk of days for all of them at a time."""
    tz = ZoneInfo(settings.timezone)
    known = await repository.first_fact_days(conn, list(stale), settings.timezone)
    starts = {cp: max(day, known[cp]) for cp, day in stale.items() if cp in known}
    rows: list[tuple[Any, ...]] = []
    start = min(starts.values(), default=last + timedelta(days=1))
    while start <= last:
        end = min(last, start + timedelta(days=CHUNK_DAYS - 1))
        due = sorted(cp for cp, first in starts.items() if first <= end)
        cells = await operators.connector_cells(
            conn, settings, start, end, "day", due, now, limit_rows=False
        )
        rows += _rows(cells, tz, starts)
        start = end + timedelta(days=1)
    await repository.replace_days(conn, {cp: (day, last) for cp, day in stale.items()}, rows)


async def refresh(pool: asyncpg.Pool, settings: Settings, now: datetime | None = None) -> int:
    """Extend to yesterday, then recompute the stale charge points, `BATCH` per transaction.
    Returns how many were recomputed."""
    now = now or utc_now()
    async with pool.acquire() as conn, conn.transaction():
        await extend(conn, settings, now)
        rolled, _ = await repository.lock_state(conn)
    assert rolled is not None
    done = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            claimed = await repository.claim_stale(conn, BATCH)
            if not claimed:
                return done
            due = {cp: day for cp, day in claimed.items() if day <= rolled}
            if due:
                await roll_up(conn, settings, due, rolled, now)
            await repository.clear_stale(conn, list(claimed))
        done += len(claimed)


async def run_rollups(pool: asyncpg.Pool, settings: Settings) -> None:
    """The periodic job (every `rollup_interval_s`, on every replica: rows are claimed)."""
    while True:
        try:
            done = await refresh(pool, settings)
            if done:
                log.info("analytics.rollups.refreshed", charge_points=done)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("analytics.rollups.failed", error=repr(exc))
        await asyncio.sleep(settings.rollup_interval_s)
