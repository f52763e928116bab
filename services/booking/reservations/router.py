"""REST of reservations: drivers their own bookings; operators all, and blocks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from services.booking.access import Booker, Canceller, Operator, Reader
from services.booking.reservations import service
from services.booking.reservations.schemas import BlockCreate, ReservationCreate, ReservationOut
from services.booking.settings import Settings
from shared.service import DbConn, Runtime

router = APIRouter(prefix="/v1/reservations", tags=["reservations"])


def _settings(runtime: Runtime) -> Settings:
    settings = runtime.settings
    assert isinstance(settings, Settings)
    return settings


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_reservation(
    body: ReservationCreate, principal: Booker, conn: DbConn, runtime: Runtime
) -> ReservationOut:
    return await service.create_booking(conn, principal, body, _settings(runtime))


@router.post("/blocks", status_code=status.HTTP_201_CREATED)
async def block_connector(
    body: BlockCreate, principal: Operator, conn: DbConn, runtime: Runtime
) -> ReservationOut:
    return await service.create_block(conn, principal, body, _settings(runtime))


@router.get("")
async def list_reservations(
    principal: Reader,
    conn: DbConn,
    charge_point_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Literal["confirmed", "active", "fulfilled", "no_show", "cancelled", "ended"]
    | None = None,
    kind: Literal["booking", "block"] | None = None,
    user_id: Annotated[str | None, Query(max_length=64, description="staff only")] = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[ReservationOut]:
    return await service.list_for(
        conn,
        principal,
        charge_point_id=charge_point_id,
        status=status,
        kind=kind,
        user_id=user_id,
        starts_from=starts_from,
        starts_before=starts_before,
        limit=limit,
        offset=offset,
    )


@router.get("/{reservation_id}")
async def read_reservation(reservation_id: str, principal: Reader, conn: DbConn) -> ReservationOut:
    return await service.get(conn, principal, reservation_id)


@router.post("/{reservation_id}/cancel")
async def cancel_reservation(
    reservation_id: str, principal: Canceller, conn: DbConn, runtime: Runtime
) -> ReservationOut:
    return await service.cancel(conn, principal, reservation_id, _settings(runtime))
