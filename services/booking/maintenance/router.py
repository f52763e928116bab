"""REST of maintenance windows made by operators (operations' own arrive as events)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.booking.access import Operator, StaffReader
from services.booking.maintenance import service
from services.booking.maintenance.schemas import MaintenanceCreate, MaintenanceOut
from services.booking.settings import Settings
from shared.service import DbConn, Runtime

router = APIRouter(prefix="/v1/availability/maintenance-windows", tags=["availability"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_maintenance_window(
    body: MaintenanceCreate, principal: Operator, conn: DbConn, runtime: Runtime
) -> MaintenanceOut:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return await service.create(conn, body, settings, created_by=principal.subject)


@router.get("")
async def list_maintenance_windows(
    _: StaffReader,
    conn: DbConn,
    charge_point_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MaintenanceOut]:
    return await service.list_for(conn, charge_point_id, limit)


@router.delete("/{window_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_maintenance_window(window_id: str, _: Operator, conn: DbConn) -> Response:
    await service.delete(conn, window_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
