"""`/v1/payments/holds`: pay as you go from the app (a driver without a saved card)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, status

from services.payment.deps import DriverPrincipal, Payments
from services.payment.holds import repository, service
from services.payment.holds.schemas import HoldCreate, HoldOut
from services.payment.holds.worker import HoldWorker
from shared.auth.deps import require_roles
from shared.auth.jwt import Principal
from shared.db import Connection
from shared.problems import NotFound
from shared.service import DbConn

router = APIRouter(prefix="/v1/payments/holds", tags=["pay as you go"])
HoldReader = Annotated[Principal, Depends(require_roles("driver", "support", "operator", "admin"))]


def hold_worker(request: Request) -> HoldWorker:
    worker: HoldWorker = request.app.state.holds
    return worker


Worker = Annotated[HoldWorker, Depends(hold_worker)]


def to_out(row: asyncpg.Record, principal: Principal | None = None) -> HoldOut:
    out = HoldOut(**{name: row[name] for name in HoldOut.model_fields})
    if principal is not None and principal.subject != row["user_id"]:
        out.client_secret = None  # only the payer's Stripe SDK needs it
    return out


async def owned(conn: Connection, principal: Principal, hold_id: UUID) -> asyncpg.Record:
    """A driver sees their own holds only (404 for anyone else's); staff read every hold."""
    row = await repository.get(conn, hold_id)
    if (
        row is None
        or row["kind"] == service.CARD  # a start with the saved card: /v1/payments/card-starts
        or not (principal.is_staff or row["user_id"] == principal.subject)
    ):
        raise NotFound("No such hold.")
    return row


@router.post("", status_code=status.HTTP_201_CREATED)
async def open_hold(body: HoldCreate, worker: Worker, principal: DriverPrincipal) -> HoldOut:
    """Start paying as you go: confirm the returned PaymentIntent with Stripe's SDK, then the
    charger is started remotely once Stripe has authorised the amount."""
    row = await worker.open(
        kind="driver",
        user_id=principal.subject,
        cp_id=body.charge_point_id,
        connector_id=body.connector_id,
    )
    return to_out(row)


@router.get("")
async def list_holds(
    conn: DbConn, principal: DriverPrincipal, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[HoldOut]:
    return [
        to_out(row)
        for row in await repository.list_for_user(conn, principal.subject, ("driver",), limit)
    ]


@router.get("/{hold_id}")
async def read_hold(hold_id: UUID, conn: DbConn, principal: HoldReader) -> HoldOut:
    return to_out(await owned(conn, principal, hold_id), principal)


@router.post("/{hold_id}/confirmation")
async def confirmation(
    hold_id: UUID, payments: Payments, worker: Worker, principal: DriverPrincipal
) -> HoldOut:
    """The app confirmed the PaymentIntent: read it back now rather than wait for the webhook."""
    async with payments.pool.acquire() as conn:
        await owned(conn, principal, hold_id)
    row = await worker.check_payment(hold_id)
    assert row is not None
    return to_out(row)


@router.post("/{hold_id}/stop")
async def stop(
    hold_id: UUID, conn: DbConn, payments: Payments, principal: DriverPrincipal
) -> HoldOut:
    """Stop charging (the charger is told to end the session), or give up a hold not started."""
    row = await owned(conn, principal, hold_id)
    locked = await repository.get(conn, row["id"], for_update=True)
    assert locked is not None
    return to_out(await service.request_stop(conn, locked, payments.settings))
