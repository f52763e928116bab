"""REST of tariffs: public reads (prices are public), operators and admins create and end them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, status

from services.payment.deps import Payments, TariffManager
from services.payment.tariffs import service
from services.payment.tariffs.schemas import (
    ConnectorPriceOut,
    TariffCreate,
    TariffOut,
    TariffUpdate,
)
from shared.service import DbConn

router = APIRouter(prefix="/v1/tariffs", tags=["tariffs"])


@router.get("/current/{charge_point_id}/{connector_id}")
async def price_for_connector(
    charge_point_id: Annotated[str, Path(min_length=1, max_length=64)],
    connector_id: Annotated[int, Path(ge=0, le=999)],
    conn: DbConn,
) -> ConnectorPriceOut:
    """Public: the price in force for a connector now, with a worked example for 20 kWh."""
    return await service.price_for_connector(conn, charge_point_id, connector_id)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create(
    body: TariffCreate, conn: DbConn, payments: Payments, principal: TariffManager
) -> TariffOut:
    return await service.create(conn, body, payments.settings, principal.subject)


@router.get("")
async def list_tariffs(
    conn: DbConn,
    charge_point_id: Annotated[str | None, Query(max_length=64)] = None,
    active_at: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[TariffOut]:
    """Public: tariffs (all of them are published prices)."""
    return await service.list_tariffs(
        conn, charge_point_id=charge_point_id, active_at=active_at, limit=limit, offset=offset
    )


@router.get("/{tariff_id}")
async def read(tariff_id: UUID, conn: DbConn) -> TariffOut:
    return await service.get(conn, tariff_id)


@router.patch("/{tariff_id}")
async def update(tariff_id: UUID, body: TariffUpdate, conn: DbConn, _: TariffManager) -> TariffOut:
    """Rename a tariff or end it (valid_to); its prices never change once created."""
    return await service.update(conn, tariff_id, body)
