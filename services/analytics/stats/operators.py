"""Per charge point, per connector and network figures (see the README for each definition)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.analytics.settings import Settings
from services.analytics.stats import repository
from services.analytics.stats.intervals import Change, Uptime, overlap, timeline, uptime
from services.analytics.stats.people import people_cells
from services.analytics.stats.periods import (
    Granularity,
    Period,
    count_periods,
    periods,
)
from services.analytics.stats.schemas import (
    ConnectorRow,
    FaultRow,
    HeatMapCell,
    NetworkRow,
)
from shared.db import Connection
from shared.problems import Invalid


@dataclass
class Cell:
    """One connector over one period, in seconds and counts."""

    period: Period
    sessions: int = 0
    energy_wh: int = 0
    revenue_minor: int = 0
    charging_s: float = 0.0
    occupied_s: float = 0.0
    drivers: set[str] = field(default_factory=set)
    bookings: int = 0
    fulfilled: int = 0
    no_shows: int = 0
    uptime: Uptime | None = None


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 3) if whole else None


def _periods(
    first: date,
    last: date,
    granularity: Granularity,
    settings: Settings,
    width: int,
    limit_rows: bool = True,
) -> list[Period]:
    if last < first:
        raise Invalid("`to` is before `from`.")
    if limit_rows and count_periods(first, last, granularity) * max(width, 1) > settings.max_rows:
        raise Invalid(
            "The answer would exceed the row limit: choose a shorter range, a coarser "
            "granularity or one charge point.",
            max_rows=settings.max_rows,
        )
    return periods(first, last, granularity, ZoneInfo(settings.timezone))


async def connector_cells(
    conn: Connection,
    settings: Settings,
    first: date,
    last: date,
    granularity: Granularity,
    charge_point_id: repository.ChargePoints,
    now: datetime | None = None,
    *,
    limit_rows: bool = True,
) -> dict[tuple[str, int], list[Cell]]:
    """`limit_rows=False` for internal callers (the rollups), never for an answer's size."""
    now = now or datetime.now(UTC)
    keys = await repository.connectors(conn, charge_point_id)
    spans = _periods(first, last, granularity, settings, len(keys), limit_rows)
    start, end = spans[0].start, spans[-1].end
    starts = [p.start for p in spans]
    sessions = await repository.sessions_between(
        conn, start, end, settings.currency, charge_point_id
    )
    statuses = await repository.status_history(conn, start, end, charge_point_id)
    links = await repository.link_history(conn, start, end, charge_point_id)
    bookings: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for booking in await repository.bookings_between(conn, start, end, charge_point_id):
        bookings[(booking["charge_point_id"], booking["connector_id"])].append(booking)

    charger_changes: dict[str, list[Change]] = defaultdict(list)
    for link in links:
        charger_changes[link["charge_point_id"]].append(
            Change(link["at"], "link", link["online"], order=str(link["event_id"]))
        )
    connector_changes: dict[tuple[str, int], list[Change]] = defaultdict(list)
    for row in statuses:
        change = Change(
            row["at"],
            "charger" if row["connector_id"] == 0 else "connector",
            row["status"],
            row["error_code"],
            str(row["event_id"]),
        )
        if row["connector_id"] == 0:
            charger_changes[row["charge_point_id"]].append(change)
        else:
            connector_changes[(row["charge_point_id"], row["connector_id"])].append(change)
    by_connector: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for session in sessions:
        by_connector[(session["charge_point_id"], session["connector_id"])].append(session)

    cells: dict[tuple[str, int], list[Cell]] = {}
    for key in keys:
        row_cells = [Cell(p) for p in spans]
        for session in by_connector.get(key, []):
            if start <= session["started_at"] < end:
                cell = row_cells[bisect.bisect_right(starts, session["started_at"]) - 1]
                cell.sessions += 1
                cell.energy_wh += session["energy_wh"]
                cell.revenue_minor += session["revenue_minor"]
                if session["user_id"]:
                    cell.drivers.add(session["user_id"])
            lo = max(0, bisect.bisect_right(starts, session["started_at"]) - 1)
            hi = bisect.bisect_left(starts, session["stopped_at"])
            for cell in row_cells[lo:hi]:
                cell.charging_s += overlap(
                    session["started_at"], session["charging_until"], cell.period, now
                )
                cell.occupied_s += overlap(
                    session["started_at"], session["stopped_at"], cell.period, now
                )
        for booking in bookings.get(key, []):
            cell = row_cells[bisect.bisect_right(starts, booking["starts_at"]) - 1]
            cell.bookings += 1
            cell.fulfilled += booking["status"] == "fulfilled"
            cell.no_shows += booking["status"] == "no_show"
        line = timeline(charger_changes.get(key[0], []) + connector_changes.get(key, []), end)
        for cell in row_cells:
            cell.uptime = uptime(line, cell.period, now)
        cells[key] = row_cells
    return cells


def connector_rows(
    cells: dict[tuple[str, int], list[Cell]], settings: Settings, now: datetime | None = None
) -> list[ConnectorRow]:
    now = now or datetime.now(UTC)
    tz = ZoneInfo(settings.timezone)
    rows = []
    for (cp, connector), row_cells in cells.items():
        for cell in row_cells:
            assert cell.uptime is not None
            elapsed = cell.period.seconds_until(now)
            rows.append(
                ConnectorRow(
                    charge_point_id=cp,
                    connector_id=connector,
                    period_start=cell.period.label(tz),
                    sessions=cell.sessions,
                    energy_kwh=cell.energy_wh / 1000,
                    revenue_minor=cell.revenue_minor,
                    currency=settings.currency,
                    charging_pct=_pct(cell.charging_s, elapsed),
                    occupied_pct=_pct(cell.occupied_s, elapsed),
                    uptime_pct=cell.uptime.uptime_pct,
                    availability_pct=cell.uptime.availability_pct,
                    faults=sum(cell.uptime.faults.values()),
                    mtbf_h=cell.uptime.mtbf_h,
                    bookings=cell.bookings,
                    no_shows=cell.no_shows,
                    booking_conversion_pct=_pct(cell.fulfilled, cell.fulfilled + cell.no_shows),
                )
            )
    return rows


def fault_rows(cells: dict[tuple[str, int], list[Cell]], settings: Settings) -> list[FaultRow]:
    tz = ZoneInfo(settings.timezone)
    return [
        FaultRow(
            charge_point_id=cp,
            connector_id=connector,
            period_start=cell.period.label(tz),
            error_code=code,
            faults=count,
        )
        for (cp, connector), row_cells in cells.items()
        for cell in row_cells
        if cell.uptime is not None
        for code, count in sorted(cell.uptime.faults.items())
    ]


async def network_rows(
    conn: Connection, settings: Settings, first: date, last: date, granularity: Granularity
) -> list[NetworkRow]:
    tz = ZoneInfo(settings.timezone)
    spans = _periods(first, last, granularity, settings, 1)
    starts = [p.start for p in spans]
    start, end = spans[0].start, spans[-1].end
    cells = [Cell(p) for p in spans]
    for session in await repository.sessions_between(conn, start, end, settings.currency):
        if start <= session["started_at"] < end:
            cell = cells[bisect.bisect_right(starts, session["started_at"]) - 1]
            cell.sessions += 1
            cell.energy_wh += session["energy_wh"]
            cell.revenue_minor += session["revenue_minor"]
            if session["user_id"]:
                cell.drivers.add(session["user_id"])
    people = await people_cells(conn, spans, [cell.drivers for cell in cells])
    return [
        NetworkRow(
            period_start=cell.period.label(tz),
            sessions=cell.sessions,
            energy_kwh=cell.energy_wh / 1000,
            revenue_minor=cell.revenue_minor,
            currency=settings.currency,
            active_drivers=len(cell.drivers),
            new_registrations=more.new_registrations,
            deleted_accounts=more.deleted_accounts,
            subscribers=more.subscribers,
            subscription_share_pct=_pct(more.subscribers, len(cell.drivers)),
        )
        for cell, more in zip(cells, people, strict=True)
    ]


async def heat_map_rows(
    conn: Connection, settings: Settings, first: date, last: date
) -> list[HeatMapCell]:
    span = _periods(first, last, "month", settings, 1)
    found = {
        (r["weekday"], r["hour"]): r
        for r in await repository.heat_map(conn, span[0].start, span[-1].end, settings.timezone)
    }
    return [
        HeatMapCell(
            weekday=weekday,
            hour=hour,
            sessions=found[(weekday, hour)]["sessions"] if (weekday, hour) in found else 0,
            energy_kwh=found[(weekday, hour)]["energy_wh"] / 1000
            if (weekday, hour) in found
            else 0.0,
        )
        for weekday in range(1, 8)
        for hour in range(24)
    ]
