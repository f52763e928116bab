"""REST of the charge point registry (operators) and the public map of sites."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from services.connectivity.access import ChargePointManager, ChargePointReader
from services.connectivity.chargepoints import service
from services.connectivity.chargepoints.schemas import (
    ChargePointCreate,
    ChargePointOut,
    ChargePointUpdate,
    ChargePointWithPassword,
    ConnectorStatusOut,
    PasswordChange,
    SiteOut,
    StatusHistoryOut,
)
from shared.service import DbConn

router = APIRouter(prefix="/v1/charge-points", tags=["charge points"])
locations = APIRouter(prefix="/v1/locations", tags=["locations"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def provision(
    body: ChargePointCreate, conn: DbConn, _: ChargePointManager
) -> ChargePointWithPassword:
    charge_point, password = await service.provision(conn, body)
    return ChargePointWithPassword(**charge_point.model_dump(), password=password)


@router.get("")
async def list_charge_points(
    conn: DbConn,
    _: ChargePointReader,
    approval: Literal["pending", "approved", "retired"] | None = None,
    online: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ChargePointOut]:
    return await service.list_charge_points(
        conn, approval=approval, online=online, limit=limit, offset=offset
    )


@router.get("/{cp_id}")
async def read(cp_id: str, conn: DbConn, _: ChargePointReader) -> ChargePointOut:
    return await service.get(conn, cp_id)


@router.patch("/{cp_id}")
async def update(
    cp_id: str, body: ChargePointUpdate, conn: DbConn, _: ChargePointManager
) -> ChargePointOut:
    return await service.update(conn, cp_id, body)


@router.post("/{cp_id}/approve")
async def approve(cp_id: str, conn: DbConn, _: ChargePointManager) -> ChargePointOut:
    return await service.approve(conn, cp_id)


@router.post("/{cp_id}/retire")
async def retire(cp_id: str, conn: DbConn, _: ChargePointManager) -> ChargePointOut:
    """Retire: every replica closes the charger's connection; its next handshake gets 401."""
    return await service.retire(conn, cp_id)


@router.post("/{cp_id}/password")
async def set_password(
    cp_id: str, body: PasswordChange, conn: DbConn, _: ChargePointManager
) -> ChargePointWithPassword:
    """The new password is in this answer and nowhere else; the charger's connection, opened
    with the old one, is closed on every replica."""
    charge_point, password = await service.set_password(conn, cp_id, body.password)
    return ChargePointWithPassword(**charge_point.model_dump(), password=password)


@router.get("/{cp_id}/connectors")
async def connectors(cp_id: str, conn: DbConn, _: ChargePointReader) -> list[ConnectorStatusOut]:
    return [ConnectorStatusOut(**dict(row)) for row in await service.connectors(conn, cp_id)]


@router.get("/{cp_id}/status-history")
async def status_history(
    cp_id: str,
    conn: DbConn,
    _: ChargePointReader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[StatusHistoryOut]:
    rows = await service.status_history(conn, cp_id, limit)
    return [StatusHistoryOut(**dict(row)) for row in rows]


@locations.get("")
async def sites(conn: DbConn) -> list[SiteOut]:
    """Public: sites with connector availability (no personal data; the gateway allow-lists it)."""
    return [SiteOut(**dict(row)) for row in await service.sites(conn)]
