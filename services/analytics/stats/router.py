"""REST of the statistics: a driver's own, per charge point and connector, and the network's.

Dates are local days of the operator's time zone, `from` and `to` both included (default: the
last 30 days). Every table is also served as CSV (`?format=csv` or `Accept: text/csv`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response

from services.analytics.access import NetworkReader, Person, StationReader
from services.analytics.settings import Settings
from services.analytics.stats import drivers, incidents, operators, ranking
from services.analytics.stats.export import Format, csv_response, wants_csv
from services.analytics.stats.periods import Granularity
from services.analytics.stats.schemas import (
    AlertRow,
    ConnectorRow,
    DriverRow,
    DriverStats,
    FaultRow,
    HeatMapCell,
    NetworkRow,
    StationRow,
    TicketRow,
)
from shared.problems import Invalid
from shared.service import DbConn, Runtime

router = APIRouter(prefix="/v1/stats", tags=["statistics"])

From = Annotated[date | None, Query(alias="from", description="First local day (included).")]
To = Annotated[date | None, Query(description="Last local day (included).")]
ChargePointId = Annotated[str | None, Query(max_length=128)]
CSV_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


def _settings(runtime: Runtime) -> Settings:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return settings


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _check(*days: date | None) -> None:
    for day in days:
        if day is not None and not EARLIEST <= day <= LATEST:
            raise Invalid(f"Dates must lie between {EARLIEST} and {LATEST}.")


def _range(settings: Settings, first: date | None, last: date | None) -> tuple[date, date]:
    _check(first, last)
    today = datetime.now(UTC).astimezone(ZoneInfo(settings.timezone)).date()
    last = last or today
    first = first or max(EARLIEST, last - timedelta(days=29))
    if last < first:
        raise Invalid("`to` is before `from`.")
    return first, last


@router.get("/me", responses=CSV_ANSWER, response_model=DriverStats)
async def my_stats(
    request: Request,
    conn: DbConn,
    runtime: Runtime,
    principal: Person,
    first: From = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    format: Format | None = None,
) -> DriverStats | Response:
    """The caller's own charging, per month and overall (default: all time)."""
    settings = _settings(runtime)
    _check(first, last)
    stats = await drivers.driver_stats(conn, settings, principal.subject, first, last)
    if wants_csv(request, format):
        return csv_response([*stats.months, stats.overall], DriverRow, "my-charging")
    return stats


@router.get("/charge-points", responses=CSV_ANSWER, response_model=list[ConnectorRow])
async def charge_point_stats(
    request: Request,
    conn: DbConn,
    runtime: Runtime,
    _: StationReader,
    first: From = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    granularity: Granularity = "day",
    charge_point_id: ChargePointId = None,
    format: Format | None = None,
) -> list[ConnectorRow] | Response:
    """Per charge point, connector and period: sessions, energy, revenue, utilisation, uptime."""
    settings = _settings(runtime)
    first, last = _range(settings, first, last)
    cells = await operators.connector_cells(
        conn, settings, first, last, granularity, charge_point_id
    )
    rows = operators.connector_rows(cells, settings)
    if wants_csv(request, format):
        return csv_response(rows, ConnectorRow, "charge-points")
    return rows


@router.get("/charge-points/faults", responses=CSV_ANSWER, response_model=list[FaultRow])
async def fault_stats(
    request: Request,
    conn: DbConn,
    runtime: Runtime,
    _: StationReader,
    first: From = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    granularity: Granularity = "day",
    charge_point_id: ChargePointId = None,
    format: Format | None = None,
) -> list[FaultRow] | Response:
    """Faults (entries into Faulted) by error code, per charge point, connector and period."""
    settings = _settings(runtime)
    first, last = _range(settings, first, last)
    cells = await operators.connector_cells(
        conn, settings, first, last, granularity, charge_point_id
    )
    rows = operators.fault_rows(cells, settings)
    if wants_csv(request, format):
        return csv_response(rows, FaultRow, "faults")
    return rows


@router.get("/charge-points/tickets", responses=CSV_ANSWER, response_model=list[TicketRow])
async def ticket_stats(
    request: Request,
    conn: DbConn,
    runtime: Runtime,
    _: StationReader,
    first: From = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    granularity: Granularity = "day",
    charge_point_id: ChargePointId = None,
    format: Format | None = None,
) -> list[TicketRow] | Response:
    """Support tickets about each charge point opened per period, by category."""
    settings = _settings(runtime)
    first, last = _range(settings, first, last)
    rows = await incidents.ticket_rows(conn, settings, first, last, granularity, charge_point_id)
    if wants_csv(request, format):
        return csv_response(rows, TicketRow, "tickets")
    return rows


@router.get("/charge-points/alerts", responses=CSV_ANSWER, response_model=list[AlertRow])
async def alert_stats(
    request: Request,
    conn: DbConn,
    runtime: Runtime,
    _: StationReader,
    first: From = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    granularity: Granularity = "day",
    charge_point_id: ChargePointId = None,
    format: Format | None = None,
) -> list[AlertRow] | Response:
    """Operations alerts of each charge point opened per period, by kind."""
    settings = _settings(runtime)
    first, last = _range(settings, first, last)
    rows = await incidents.alert_rows(conn, settings, first, last, granularity, charge_point_id)
    if wants_csv(request, format):
        return csv_response(rows, AlertRow, "alerts")
    return rows


@router.get("/network", responses=CSV_ANSWER, response_model=list[NetworkRow])
async def network_stats(
    request: Request,
    conn: DbConn,
    runtime: Runtime,
    _: NetworkReader,
    first: From = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    granularity: Granularity = "day",
    format: Format | None = None,
) -> list[NetworkRow] | Response:
    """The network per period: sessions, energy, revenue, active drivers."""
    settings = _settings(runtime)
    first, last = _range(settings, first, last)
    rows = await operators.network_rows(conn, settings, first, last, granularity)
    if wants_csv(request, format):
        return csv_response(rows, NetworkRow, "network")
    return rows


@router.get("/network/heat-map", responses=CSV_ANSWER, response_model=list[HeatMapCell])
async def heat_map(
    request: Request,
    conn: DbConn,
    runtime: Runtime,
    _: NetworkReader,
    first: From = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    format: Format | None = None,
) -> list[HeatMapCell] | Response:
    """Sessions started per local weekday x hour: the peak hours."""
    settings = _settings(runtime)
    first, last = _range(settings, first, last)
    rows = await operators.heat_map_rows(conn, settings, first, last)
    if wants_csv(request, format):
        return csv_response(rows, HeatMapCell, "heat-map")
    return rows


@router.get("/network/stations", responses=CSV_ANSWER, response_model=list[StationRow])
async def station_ranking(
    request: Request,
    conn: DbConn,
    runtime: Runtime,
    _: NetworkReader,
    first: From = None,
    last: Annotated[date | None, Query(alias="to")] = None,
    order: Literal["utilisation", "uptime"] = "utilisation",
    direction: Literal["top", "bottom"] = "top",
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    format: Format | None = None,
) -> list[StationRow] | Response:
    """Top or bottom charge points by utilisation (occupied %) or uptime over the range."""
    settings = _settings(runtime)
    first, last = _range(settings, first, last)
    rows = await ranking.station_rows(conn, settings, first, last, order, direction, limit)
    if wants_csv(request, format):
        return csv_response(rows, StationRow, "stations")
    return rows
