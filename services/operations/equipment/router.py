"""REST of security equipment (operators) and the public read of a station's safety features."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.operations.access import OperatorPrincipal
from services.operations.equipment import service
from services.operations.equipment.schemas import (
    EquipmentCreate,
    EquipmentKind,
    EquipmentOut,
    EquipmentUpdate,
    StationSafety,
)
from shared.service import DbConn

router = APIRouter(prefix="/v1/security-equipment", tags=["security equipment"])
public = APIRouter(prefix="/v1/station-safety", tags=["station safety"])


@router.get("")
async def list_equipment(
    conn: DbConn,
    _: OperatorPrincipal,
    charge_point_id: Annotated[str | None, Query(max_length=128)] = None,
    kind: EquipmentKind | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[EquipmentOut]:
    return await service.list_for(conn, charge_point_id, kind, limit, offset)


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_equipment(body: EquipmentCreate, conn: DbConn, _: OperatorPrincipal) -> EquipmentOut:
    return await service.create(conn, body)


@router.get("/{equipment_id}")
async def read_equipment(equipment_id: str, conn: DbConn, _: OperatorPrincipal) -> EquipmentOut:
    return await service.get(conn, equipment_id)


@router.patch("/{equipment_id}")
async def update_equipment(
    equipment_id: str, body: EquipmentUpdate, conn: DbConn, _: OperatorPrincipal
) -> EquipmentOut:
    return await service.update(conn, equipment_id, body)


@router.delete("/{equipment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_equipment(equipment_id: str, conn: DbConn, _: OperatorPrincipal) -> Response:
    await service.delete(conn, equipment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@public.get("/{charge_point_id}")
async def station_safety(charge_point_id: str, conn: DbConn) -> StationSafety:
    """Public (no token): which safety features of a station work — lit, camera-monitored..."""
    return await service.public_safety(conn, charge_point_id)
