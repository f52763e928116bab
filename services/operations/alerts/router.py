"""REST of alerts: operators and support read them; operators acknowledge and resolve them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.operations.access import AlertReader, OperatorPrincipal
from services.operations.alerts import service
from services.operations.alerts.schemas import AlertNote, AlertOut, AlertStatus, Severity
from shared.service import DbConn

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])


@router.get("")
async def list_alerts(
    conn: DbConn,
    _: AlertReader,
    status: Annotated[list[AlertStatus] | None, Query()] = None,
    severity: Severity | None = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    charge_point_id: Annotated[str | None, Query(max_length=128)] = None,
    site: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AlertOut]:
    return await service.search(
        conn,
        statuses=list(status) if status else None,
        severity=severity,
        kind=kind,
        charge_point_id=charge_point_id,
        site=site,
        limit=limit,
        offset=offset,
    )


@router.get("/{alert_id}")
async def read_alert(alert_id: str, conn: DbConn, _: AlertReader) -> AlertOut:
    return await service.get(conn, alert_id)


@router.post("/{alert_id}/acknowledge")
async def acknowledge(
    alert_id: str, body: AlertNote, conn: DbConn, principal: OperatorPrincipal
) -> AlertOut:
    return await service.acknowledge(conn, alert_id, principal.subject, body.note)


@router.post("/{alert_id}/resolve")
async def resolve(
    alert_id: str, body: AlertNote, conn: DbConn, principal: OperatorPrincipal
) -> AlertOut:
    return await service.resolve(conn, alert_id, principal.subject, body.note)
