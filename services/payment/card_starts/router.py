"""`/v1/payments/card-starts`: a driver starts a session from the app with the saved card."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query, status

from services.payment.card_starts import repository, service
from services.payment.card_starts.schemas import CardStartCreate, CardStartOut
from services.payment.deps import DriverPrincipal, Payments
from services.payment.holds import repository as holds_repository
from services.payment.holds import service as holds
from shared.auth.jwt import Principal
from shared.db import Connection
from shared.problems import NotFound
from shared.service import DbConn

router = APIRouter(prefix="/v1/payments/card-starts", tags=["start with the saved card"])


def to_out(row: asyncpg.Record) -> CardStartOut:
    return CardStartOut(**{name: row[name] for name in CardStartOut.model_fields})


async def owned(conn: Connection, principal: Principal, start_id: UUID) -> asyncpg.Record:
    """A driver's own starts only: 404 for anyone else's."""
    row = await repository.get(conn, start_id)
    if row is None or row["user_id"] != principal.subject:
        raise NotFound("No such start.")
    return row


@router.post("", status_code=status.HTTP_201_CREATED)
async def start(
    body: CardStartCreate, conn: DbConn, payments: Payments, principal: DriverPrincipal
) -> CardStartOut:
    """Start charging now, billed after the stop to the default card (no hold, no card form).
    409 with a problem type saying why not: `no-payment-method`, `payment-overdue`,
    `charger-offline`, `connector-unavailable`, `connector-booked`."""
    row = await service.start(
        conn,
        payments.settings,
        user_id=principal.subject,
        cp_id=body.charge_point_id,
        connector_id=body.connector_id,
    )
    return to_out(await owned(conn, principal, row["id"]))


@router.get("")
async def list_starts(
    conn: DbConn, principal: DriverPrincipal, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[CardStartOut]:
    return [to_out(row) for row in await repository.list_for_user(conn, principal.subject, limit)]


@router.get("/{start_id}")
async def read_start(start_id: UUID, conn: DbConn, principal: DriverPrincipal) -> CardStartOut:
    return to_out(await owned(conn, principal, start_id))


@router.post("/{start_id}/stop")
async def stop(
    start_id: UUID, conn: DbConn, payments: Payments, principal: DriverPrincipal
) -> CardStartOut:
    """Stop charging (the charger is told to end the session), or give up a start that has not
    begun."""
    await owned(conn, principal, start_id)
    locked = await holds_repository.get(conn, start_id, for_update=True)
    assert locked is not None
    await holds.request_stop(conn, locked, payments.settings)
    return to_out(await owned(conn, principal, start_id))
