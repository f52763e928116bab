"""Rules of invoices: drivers see and pay their own; staff see all. Never another's: 404."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.payment.billing.collector import MISSING, Collector
from services.payment.invoices import repository
from services.payment.invoices.schemas import (
    InvoiceOut,
    InvoiceSummaryOut,
    PaymentOut,
    RefundOut,
)
from services.payment.stripe_gateway import PaymentDeclined
from services.payment.tariffs.schemas import PricedLineOut
from shared.auth.jwt import Principal
from shared.auth.scopes import INVOICES_READ_SCOPE
from shared.db import Connection
from shared.problems import Conflict, NotFound, Unavailable

STAFF = ("support", "operator", "admin")


def summary(row: asyncpg.Record) -> InvoiceSummaryOut:
    return InvoiceSummaryOut(
        id=row["id"],
        number=row["number"],
        user_id=row["user_id"],
        session_id=row["session_id"],
        charge_point_id=row["charge_point_id"],
        connector_id=row["connector_id"],
        status=row["status"],
        currency=row["currency"],
        subtotal_minor=row["subtotal_minor"],
        vat_rate_bp=row["vat_rate_bp"],
        vat_minor=row["vat_minor"],
        total_minor=row["total_minor"],
        amount_paid_minor=row["amount_paid_minor"],
        amount_refunded_minor=row["amount_refunded_minor"],
        failed_attempts=row["failed_attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_payment_error=row["last_payment_error"],
        issued_at=row["issued_at"],
        paid_at=row["paid_at"],
    )


async def visible(conn: Connection, principal: Principal, invoice_id: UUID) -> asyncpg.Record:
    row = await repository.get_invoice(conn, invoice_id)
    if row is None or not (
        principal.has_any(STAFF)
        or ("driver" in principal.roles and row["user_id"] == principal.subject)
        or principal.has_scope(INVOICES_READ_SCOPE)
    ):
        raise NotFound(f"No invoice {invoice_id}.")
    return row


async def detail(conn: Connection, row: asyncpg.Record) -> InvoiceOut:
    lines = await repository.lines_of(conn, row["id"])
    payments = await repository.payments_of(conn, row["id"])
    refunds = await repository.refunds_of(conn, row["id"])
    return InvoiceOut(
        **summary(row).model_dump(),
        session_started_at=row["session_started_at"],
        session_stopped_at=row["session_stopped_at"],
        charging_ended_at=row["charging_ended_at"],
        energy_wh=row["energy_wh"],
        tariff_id=row["tariff_id"],
        lines=[
            PricedLineOut(
                component=line["component"],
                description=line["description"],
                quantity=str(line["quantity"]),
                unit=line["unit"],
                unit_price_minor=line["unit_price_minor"],
                amount_minor=line["amount_minor"],
            )
            for line in lines
        ],
        payments=[
            PaymentOut(
                id=p["id"],
                attempt=p["attempt"],
                status=p["status"],
                amount_minor=p["amount_minor"],
                currency=p["currency"],
                payment_method_id=p["payment_method_id"],
                failure_code=p["failure_code"],
                created_at=p["created_at"],
            )
            for p in payments
        ],
        refunds=[
            RefundOut(
                id=r["id"],
                amount_minor=r["amount_minor"],
                currency=r["currency"],
                reason=r["reason"],
                status=r["status"],
                created_at=r["created_at"],
            )
            for r in refunds
        ],
    )


async def get(conn: Connection, principal: Principal, invoice_id: UUID) -> InvoiceOut:
    return await detail(conn, await visible(conn, principal, invoice_id))


async def list_invoices(
    conn: Connection,
    principal: Principal,
    *,
    user_id: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[InvoiceSummaryOut]:
    if not principal.has_any(STAFF):
        user_id = principal.subject  # a driver lists their own, whatever they ask for
    rows = await repository.list_invoices(
        conn, user_id=user_id, status=status, limit=limit, offset=offset
    )
    return [summary(row) for row in rows]


async def pay(
    pool: asyncpg.Pool,
    collector: Collector,
    principal: Principal,
    invoice_id: UUID,
    payment_method_id: str | None,
) -> InvoiceOut:
    """The driver pays an open invoice now (after a failed charge: with a new card)."""
    async with pool.acquire() as conn:
        row = await repository.get_invoice(conn, invoice_id)
    if row is None or row["user_id"] != principal.subject:
        raise NotFound(f"No invoice {invoice_id}.")
    if row["status"] != "open":
        raise Conflict(f"Invoice {row['number']} is {row['status']}; there is nothing to pay.")
    outcome = await collector.collect(
        invoice_id, by_driver=True, payment_method_id=payment_method_id
    )
    if outcome.result == "busy":
        raise Conflict("A payment of this invoice is under way; look again in a moment.")
    if outcome.result == "unavailable":
        raise Unavailable("The payment provider is unreachable; try again.")
    if outcome.result == "failed" and outcome.failure_code in (MISSING, "no_payment_method"):
        raise PaymentDeclined(
            "No saved card can pay this invoice: the payment provider no longer knows it, or "
            "none is saved. Add a card, then pay again.",
            code=outcome.failure_code,
        )
    if outcome.result == "failed":
        raise PaymentDeclined(
            "The payment did not go through.", code=outcome.failure_code or "declined"
        )
    async with pool.acquire() as conn:
        fresh = await repository.get_invoice(conn, invoice_id)
        assert fresh is not None
        return await detail(conn, fresh)
