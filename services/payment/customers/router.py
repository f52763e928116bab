"""REST of payment methods: drivers save, list, choose a default, remove; staff read."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Header, status

from services.payment.customers import service
from services.payment.customers.schemas import (
    PaymentMethodOut,
    SetupIntentComplete,
    SetupIntentOut,
    StandingOut,
)
from services.payment.deps import DriverPrincipal, Payments, StaffReader
from shared.service import DbConn

router = APIRouter(prefix="/v1/payment-methods", tags=["payment methods"])


@router.post("/setup-intents", status_code=status.HTTP_201_CREATED)
async def start_setup(
    conn: DbConn,
    payments: Payments,
    driver: DriverPrincipal,
    idempotency_key: str | None = Header(default=None, max_length=255),
) -> SetupIntentOut:
    """A SetupIntent whose client secret the app gives to Stripe's SDK (card, Apple/Google Pay)."""
    key = idempotency_key or uuid.uuid4().hex
    return await service.start_setup(conn, payments.stripe, driver.subject, key)


@router.post("", status_code=status.HTTP_201_CREATED)
async def complete_setup(
    body: SetupIntentComplete, conn: DbConn, payments: Payments, driver: DriverPrincipal
) -> PaymentMethodOut:
    """After the SDK confirmed the SetupIntent: save its payment method (checked with Stripe)."""
    return await service.complete_setup(conn, payments.stripe, driver.subject, body.setup_intent_id)


@router.get("")
async def list_methods(conn: DbConn, driver: DriverPrincipal) -> list[PaymentMethodOut]:
    return await service.list_methods(conn, driver.subject)


@router.get("/standing")
async def my_standing(conn: DbConn, driver: DriverPrincipal) -> StandingOut:
    """The driver's standing as published to identity (card on file, subscription, owing)."""
    return await service.standing(conn, driver.subject)


@router.get("/users/{user_id}")
async def methods_of_user(user_id: str, conn: DbConn, _: StaffReader) -> list[PaymentMethodOut]:
    return await service.list_methods(conn, user_id)


@router.post("/{method_id}/default")
async def set_default(method_id: str, conn: DbConn, driver: DriverPrincipal) -> PaymentMethodOut:
    return await service.set_default(conn, driver.subject, method_id)


@router.delete("/{method_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove(method_id: str, conn: DbConn, payments: Payments, driver: DriverPrincipal) -> None:
    await service.remove(conn, payments.stripe, driver.subject, method_id)
