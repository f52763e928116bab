"""REST of work orders (operators and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.operations.access import OperatorPrincipal
from services.operations.settings import Settings
from services.operations.workorders import service
from services.operations.workorders.schemas import (
    NoteCreate,
    WorkOrderCreate,
    WorkOrderOut,
    WorkOrderStatus,
    WorkOrderUpdate,
)
from shared.service import DbConn, Runtime

router = APIRouter(prefix="/v1/work-orders", tags=["work orders"])


def _settings(runtime: Runtime) -> Settings:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return settings


@router.get("")
async def list_work_orders(
    conn: DbConn,
    _: OperatorPrincipal,
    status: Annotated[list[WorkOrderStatus] | None, Query()] = None,
    charge_point_id: Annotated[str | None, Query(max_length=128)] = None,
    assignee: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[WorkOrderOut]:
    return await service.search(
        conn,
        statuses=list(status) if status else None,
        charge_point_id=charge_point_id,
        assignee=assignee,
        limit=limit,
        offset=offset,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_work_order(
    body: WorkOrderCreate, conn: DbConn, runtime: Runtime, principal: OperatorPrincipal
) -> WorkOrderOut:
    return await service.create(conn, body, principal.subject, _settings(runtime))


@router.get("/{work_order_id}")
async def read_work_order(work_order_id: str, conn: DbConn, _: OperatorPrincipal) -> WorkOrderOut:
    return await service.get(conn, work_order_id)


@router.patch("/{work_order_id}")
async def update_work_order(
    work_order_id: str,
    body: WorkOrderUpdate,
    conn: DbConn,
    runtime: Runtime,
    principal: OperatorPrincipal,
) -> WorkOrderOut:
    """Assign, change status (done / cancelled close it), priority or window, with a note."""
    return await service.update(conn, work_order_id, body, principal.subject, _settings(runtime))


@router.post("/{work_order_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    work_order_id: str, body: NoteCreate, conn: DbConn, principal: OperatorPrincipal
) -> WorkOrderOut:
    return await service.add_note(conn, work_order_id, principal.subject, body.body)
