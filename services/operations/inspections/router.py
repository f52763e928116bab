"""REST of inspections: list and read them, start one outside a plan, complete or cancel it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.operations.access import OperatorPrincipal
from services.operations.inspections import service
from services.operations.inspections.schemas import (
    InspectionCompleted,
    InspectionCompletion,
    InspectionCreate,
    InspectionOut,
    InspectionStatus,
)
from services.operations.maintenance import service as maintenance
from services.operations.settings import Settings
from shared.service import DbConn, Runtime

router = APIRouter(prefix="/v1/inspections", tags=["inspections"])


@router.get("")
async def list_inspections(
    conn: DbConn,
    _: OperatorPrincipal,
    status: InspectionStatus | None = None,
    charge_point_id: Annotated[str | None, Query(max_length=128)] = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[InspectionOut]:
    return await service.search(
        conn,
        status=status,
        charge_point_id=charge_point_id,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_inspection(
    body: InspectionCreate, conn: DbConn, _: OperatorPrincipal
) -> InspectionOut:
    return await maintenance.create_inspection(conn, body)


@router.get("/{inspection_id}")
async def read_inspection(inspection_id: str, conn: DbConn, _: OperatorPrincipal) -> InspectionOut:
    return await service.get(conn, inspection_id)


@router.post("/{inspection_id}/complete")
async def complete_inspection(
    inspection_id: str,
    body: InspectionCompletion,
    conn: DbConn,
    runtime: Runtime,
    principal: OperatorPrincipal,
) -> InspectionCompleted:
    """Every item pass / fail / not applicable; failed items open work orders."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return await service.complete(conn, inspection_id, body, principal.subject, settings)


@router.post("/{inspection_id}/cancel")
async def cancel_inspection(
    inspection_id: str, conn: DbConn, principal: OperatorPrincipal
) -> InspectionOut:
    return await service.cancel(conn, inspection_id, principal.subject)
