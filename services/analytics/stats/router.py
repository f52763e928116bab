"""REST of the statistics: a driver's own, per charge point and connector, and the network's.

Dates are local days of the operator's time zone, `from` and `to` both included (default: the
last 30 days). Every table is also served as CSV (`?format=csv` or `Accept: text/csv`). The
shared query parameters are dependencies of `query.py`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from services.analytics.access import NetworkReader, Person, StationReader
from services.analytics.stats import drivers, incidents, operators, ranking
from services.analytics.stats.export import csv_response
from services.analytics.stats.query import Answer, OneChargePoint, Per, Ranking, Window
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
from shared.service import DbConn

router = APIRouter(prefix="/v1/stats", tags=["statistics"])

CSV_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


@router.get("/me", responses=CSV_ANSWER, response_model=DriverStats)
async def my_stats(
    conn: DbConn, principal: Person, window: Window, answer: Answer
) -> DriverStats | Response:
    """The caller's own charging, per month and overall (default: all time)."""
    first, last = window.bounds()
    stats = await drivers.driver_stats(conn, window.settings, principal.subject, first, last)
    if answer.csv:
        return csv_response([*stats.months, stats.overall], DriverRow, "my-charging")
    return stats


@router.get("/charge-points", responses=CSV_ANSWER, response_model=list[ConnectorRow])
async def charge_point_stats(
    conn: DbConn, _: StationReader, window: Window, per: Per, cp: OneChargePoint, answer: Answer
) -> list[ConnectorRow] | Response:
    """Per charge point, connector and period: sessions, energy, revenue, utilisation, uptime."""
    cells = await operators.connector_cells(conn, window.settings, *window.days(), per, cp)
    return answer(operators.connector_rows(cells, window.settings), ConnectorRow, "charge-points")


@router.get("/charge-points/faults", responses=CSV_ANSWER, response_model=list[FaultRow])
async def fault_stats(
    conn: DbConn, _: StationReader, window: Window, per: Per, cp: OneChargePoint, answer: Answer
) -> list[FaultRow] | Response:
    """Faults (entries into Faulted) by error code, per charge point, connector and period."""
    cells = await operators.connector_cells(conn, window.settings, *window.days(), per, cp)
    return answer(operators.fault_rows(cells, window.settings), FaultRow, "faults")


@router.get("/charge-points/tickets", responses=CSV_ANSWER, response_model=list[TicketRow])
async def ticket_stats(
    conn: DbConn, _: StationReader, window: Window, per: Per, cp: OneChargePoint, answer: Answer
) -> list[TicketRow] | Response:
    """Support tickets about each charge point opened per period, by category."""
    rows = await incidents.ticket_rows(conn, window.settings, *window.days(), per, cp)
    return answer(rows, TicketRow, "tickets")


@router.get("/charge-points/alerts", responses=CSV_ANSWER, response_model=list[AlertRow])
async def alert_stats(
    conn: DbConn, _: StationReader, window: Window, per: Per, cp: OneChargePoint, answer: Answer
) -> list[AlertRow] | Response:
    """Operations alerts of each charge point opened per period, by kind."""
    rows = await incidents.alert_rows(conn, window.settings, *window.days(), per, cp)
    return answer(rows, AlertRow, "alerts")


@router.get("/network", responses=CSV_ANSWER, response_model=list[NetworkRow])
async def network_stats(
    conn: DbConn, _: NetworkReader, window: Window, per: Per, answer: Answer
) -> list[NetworkRow] | Response:
    """The network per period: sessions, energy, revenue, active drivers."""
    rows = await operators.network_rows(conn, window.settings, *window.days(), per)
    return answer(rows, NetworkRow, "network")


@router.get("/network/heat-map", responses=CSV_ANSWER, response_model=list[HeatMapCell])
async def heat_map(
    conn: DbConn, _: NetworkReader, window: Window, answer: Answer
) -> list[HeatMapCell] | Response:
    """Sessions started per local weekday x hour: the peak hours."""
    rows = await operators.heat_map_rows(conn, window.settings, *window.days())
    return answer(rows, HeatMapCell, "heat-map")


@router.get("/network/stations", responses=CSV_ANSWER, response_model=list[StationRow])
async def station_ranking(
    conn: DbConn, _: NetworkReader, window: Window, by: Ranking, answer: Answer
) -> list[StationRow] | Response:
    """Top or bottom charge points by utilisation (occupied %) or uptime over the range."""
    first, last = window.days()
    rows = await ranking.station_rows(
        conn, window.settings, first, last, by.order, by.direction, by.limit
    )
    return answer(rows, StationRow, "stations")
