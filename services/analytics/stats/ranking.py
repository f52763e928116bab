"""The station ranking: charge points over a range by utilisation or uptime (README "Network").

Whole past days come from the daily rollups (`rollups.py`); today, days not rolled up yet and
charge points whose rollups are stale are computed live by the same code the rollups are made
with. Every duration is summed in integer microseconds, so both ways give the same totals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.analytics.settings import Settings
from services.analytics.stats import operators, repository
from services.analytics.stats import rollup_repository as rollups
from services.analytics.stats.periods import Granularity, whole_range
from services.analytics.stats.rollups import microseconds
from services.analytics.stats.schemas import StationRow
from shared.db import Connection


@dataclass
class Totals:
    sessions: int = 0
    energy_wh: int = 0
    revenue_minor: int = 0
    occupied_us: int = 0
    charging_us: int = 0
    up_us: int = 0
    known_us: int = 0


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 3) if whole else None


def _granularity(first: date, last: date) -> Granularity:
    return "month" if (last - first).days + 1 > 31 else "day"


async def _live(
    conn: Connection,
    settings: Settings,
    first: date,
    last: date,
    charge_point_id: str | None,
    now: datetime,
    totals: dict[str, Totals],
) -> None:
    cells = await operators.connector_cells(
        conn, settings, first, last, _granularity(first, last), charge_point_id, now,
        limit_rows=False,
    )  # fmt: skip
    for (cp, _), row_cells in cells.items():
        total = totals[cp]
        for cell in row_cells:
            assert cell.uptime is not None
            total.sessions += cell.sessions
            total.energy_wh += cell.energy_wh
            total.revenue_minor += cell.revenue_minor
            total.occupied_us += microseconds(cell.occupied_s)
            total.charging_us += microseconds(cell.charging_s)
            total.up_us += microseconds(cell.uptime.up_s)
            total.known_us += microseconds(cell.uptime.known_s)


async def _totals(
    conn: Connection, settings: Settings, first: date, last: date, now: datetime
) -> dict[str, Totals]:
    totals: dict[str, Totals] = defaultdict(Totals)
    cover = await rollups.coverage(conn)
    rolled_last = None
    if cover.rolled_through is not None and cover.timezone == settings.timezone:
        rolled_last = min(last, cover.rolled_through)
    live_from = first
    if rolled_last is not None and first <= rolled_last:
        stale = sorted(cp for cp, day in cover.stale_from.items() if day <= rolled_last)
        for row in await rollups.sums_per_charge_point(conn, first, rolled_last):
            if row["charge_point_id"] in stale:
                continue
            total = totals[row["charge_point_id"]]
            for name in vars(total):
                setattr(total, name, getattr(total, name) + row[name])
        for cp in stale:
            await _live(conn, settings, first, rolled_last, cp, now, totals)
        live_from = rolled_last + timedelta(days=1)
    if live_from <= last:
        await _live(conn, settings, live_from, last, None, now, totals)
    return totals


def _ranked(rows: list[StationRow], order: str, direction: str) -> list[StationRow]:
    field_name = "occupied_pct" if order == "utilisation" else "uptime_pct"
    sign = -1 if direction == "top" else 1

    def key(row: StationRow) -> tuple[bool, float, str]:
        value = getattr(row, field_name)
        return value is None, sign * (value or 0), row.charge_point_id

    return sorted(rows, key=key)


async def station_rows(
    conn: Connection,
    settings: Settings,
    first: date,
    last: date,
    order: str,
    direction: str,
    limit: int,
    now: datetime | None = None,
) -> list[StationRow]:
    """Charge points over the whole range, ranked by utilisation (occupied %) or uptime."""
    now = now or datetime.now(UTC)
    connectors = Counter(cp for cp, _ in await repository.connectors(conn, None))
    totals = await _totals(conn, settings, first, last, now)
    span = whole_range(first, last, ZoneInfo(settings.timezone))
    elapsed_us = microseconds(span.seconds_until(now))
    sites = await repository.sites(conn)
    incidents = await repository.incidents_per_charge_point(conn, span.start, span.end)
    rows = []
    for cp, count in connectors.items():
        total = totals.get(cp, Totals())
        elapsed = count * elapsed_us
        occupied = _pct(total.occupied_us, elapsed)
        rows.append(
            StationRow(
                rank=0,
                charge_point_id=cp,
                site_name=sites.get(cp),
                connectors=count,
                sessions=total.sessions,
                energy_kwh=total.energy_wh / 1000,
                revenue_minor=total.revenue_minor,
                occupied_pct=occupied,
                charging_pct=_pct(total.charging_us, elapsed),
                uptime_pct=_pct(total.up_us, total.known_us),
                tickets=incidents.get(cp, (0, 0))[0],
                alerts=incidents.get(cp, (0, 0))[1],
                needs_capacity=(occupied or 0) >= settings.capacity_threshold_pct,
            )
        )
    ranked = _ranked(rows, order, direction)
    return [row.model_copy(update={"rank": i + 1}) for i, row in enumerate(ranked[:limit])]
