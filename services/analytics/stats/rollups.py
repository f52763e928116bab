"""Daily rollups per connector, kept by a periodic job and read by the station ranking.

The ingest marks a charge point stale from the local day of each event it writes (in the same
transaction, and only for days already rolled up); the job recomputes each stale charge point's
days with the very code that computes them at request time (`operators.connector_cells`, day
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
# Days computed per query when a charge point's history is rebuilt (bounds the rows at once).
CHUNK_DAYS = 366
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
    cells: dict[tuple[str, int], list[operators.Cell]], tz: ZoneInfo
) -> list[tuple[Any, ...]]:
    rows = []
    for (_, connector), row_cells in cells.items():
        for cell in row_cells:
            assert cell.uptime is not None
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
            if any(figures):
                rows.append((connector, cell.period.start.astimezone(tz).date(), *figures))
    return rows


async def roll_up(
    conn: Connection,
    settings: Settings,
    charge_point_id: str,
    first: date,
    last: date,
    now: datetime,
) -> None:
    """Recompute the charge point's days `first`..`last` (nothing is known before its first fact)."""
    tz = ZoneInfo(settings.timezone)
    known_from = await repository.first_fact_day(conn, charge_point_id, settings.timezone)
    start = max(first, known_from) if known_from is not None else last + timedelta(days=1)
    rows: list[tuple[Any, ...]] = []
    while start <= last:
        end = min(last, start + timedelta(days=CHUNK_DAYS - 1))
        cells = await operators.connector_cells(
            conn, settings, start, end, "day", charge_point_id, now, limit_rows=False
        )
        rows += _rows(cells, tz)
        start = end + timedelta(days=1)
    await repository.replace_days(conn, charge_point_id, first, last, rows)


async def refresh(pool: asyncpg.Pool, settings: Settings, now: datetime | None = None) -> int:
    """Extend to yesterday, then recompute every stale charge point, one transaction each.
    Returns how many were recomputed."""
    now = now or utc_now()
    async with pool.acquire() as conn, conn.transaction():
        await extend(conn, settings, now)
        rolled, _ = await repository.lock_state(conn)
    assert rolled is not None
    done = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            claimed = await repository.claim_stale(conn)
            if claimed is None:
                return done
            charge_point_id, from_day = claimed
            if from_day <= rolled:
                await roll_up(conn, settings, charge_point_id, from_day, rolled, now)
            await repository.clear_stale(conn, charge_point_id)
        done += 1


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
