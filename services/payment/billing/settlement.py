"""Apply a PaymentIntent's state to its payment and invoice, from a charge or a webhook.

State decides, not arrival order: a succeeded intent settles the invoice whatever came before;
a failure only counts while the payment is not yet settled; repeats change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import structlog

from services.payment.billing.issuing import publish_invoice
from services.payment.customers.standing import publish_standing
from services.payment.invoices import repository
from services.payment.stripe_objects import PaymentIntentInfo, WebhookEvent, payment_intent_info
from services.payment.webhooks.dispatch import WebhookHandler
from shared.db import Connection
from shared.events.payment import InvoicePaid, InvoicePaymentFailed

log = structlog.get_logger(__name__)
TERMINAL = {"succeeded", "failed", "canceled"}
# While Stripe is still processing (bank debits), look again after this long.
PROCESSING_RECHECK = timedelta(seconds=30)


def next_attempt(failed_attempts: int, schedule: Sequence[float]) -> datetime | None:
    """After the n-th failure, wait schedule[n-1]; after the last one, only the driver pays."""
    if failed_attempts > len(schedule):
        return None
    return datetime.now(UTC) + timedelta(seconds=schedule[failed_attempts - 1])


async def settle(
    conn: Connection, payment_id: UUID, intent: PaymentIntentInfo, schedule: Sequence[float]
) -> str:
    """Returns the payment's status after applying the intent's state."""
    payment = await repository.get_payment(conn, payment_id, for_update=True)
    assert payment is not None
    invoice = await repository.get_invoice(conn, payment["invoice_id"], for_update=True)
    assert invoice is not None
    current = payment["status"]
    if intent.status == "succeeded":
        if current == "succeeded":
            return "succeeded"
        await repository.update_payment(
            conn,
            payment_id,
            status="succeeded",
            charge_id=intent.charge_id,
            failure_code=None,
            failure_message=None,
        )
        await _paid(conn, invoice, payment, intent.amount)
        return "succeeded"
    if current in TERMINAL:
        return str(current)  # an older state arriving late
    if intent.status in ("processing", "requires_capture"):
        await repository.update_payment(
            conn,
            payment_id,
            status="processing",
            charge_id=intent.charge_id,
            failure_code=None,
            failure_message=None,
        )
        await repository.postpone(conn, invoice["id"], datetime.now(UTC) + PROCESSING_RECHECK)
        return "processing"
    if (
        intent.status in ("requires_confirmation", "requires_payment_method")
        and intent.error_code is None
    ):
        return str(current)  # not confirmed yet: nothing happened
    code = (
        "authentication_required"
        if intent.status == "requires_action"
        else intent.error_code or ("canceled" if intent.status == "canceled" else "declined")
    )
    await repository.update_payment(
        conn,
        payment_id,
        status="failed" if intent.status != "canceled" else "canceled",
        charge_id=intent.charge_id,
        failure_code=code,
        failure_message=intent.error_message,
    )
    await _failed(conn, invoice, code, schedule)
    return "failed"


async def _paid(
    conn: Connection, invoice: asyncpg.Record, payment: asyncpg.Record, amount: int
) -> None:
    if invoice["status"] != "open":
        # Paid twice (e.g. by the app while an off-session charge was under way): keep the
        # money on record; support refunds the surplus. Never silently lost.
        log.error("payment.invoice.paid_twice", invoice_id=str(invoice["id"]))
    row = await repository.mark_paid(conn, invoice["id"], amount)
    await publish_invoice(conn, InvoicePaid, row, payment_id=str(payment["id"]))
    if invoice["failed_attempts"] > 0 and row["user_id"]:
        await publish_standing(conn, row["user_id"])  # no longer owing
    log.info("payment.invoice.paid", invoice_id=str(row["id"]), amount_minor=amount)


async def reject(
    conn: Connection,
    payment_id: UUID,
    message: str,
    schedule: Sequence[float],
    code: str = "stripe_rejected",
) -> None:
    payment = await repository.get_payment(conn, payment_id, for_update=True)
    assert payment is not None
    if payment["status"] in TERMINAL:
        return
    await repository.update_payment(
        conn,
        payment_id,
        status="failed",
        charge_id=None,
        failure_code=code,
        failure_message=message[:300],
    )
    invoice = await repository.get_invoice(conn, payment["invoice_id"], for_update=True)
    assert invoice is not None
    await _failed(conn, invoice, code, schedule)


async def record_failure(
    conn: Connection, invoice: asyncpg.Record, code: str, schedule: Sequence[float]
) -> None:
    await _failed(conn, invoice, code, schedule)


async def _failed(
    conn: Connection, invoice: asyncpg.Record, code: str, schedule: Sequence[float]
) -> None:
    attempts = invoice["failed_attempts"] + 1
    row = await repository.record_failure(
        conn, invoice["id"], code, next_attempt(attempts, schedule)
    )
    await publish_invoice(
        conn,
        InvoicePaymentFailed,
        row,
        failure_code=code,
        failed_attempts=row["failed_attempts"],
        next_attempt_at=row["next_attempt_at"],
    )
    if attempts == 1 and row["user_id"]:
        await publish_standing(conn, row["user_id"])  # owing: identity blocks the tokens
    log.warning(
        "payment.invoice.payment_failed",
        invoice_id=str(row["id"]),
        code=code,
        failed_attempts=attempts,
    )


def payment_intent_handler(schedule: Sequence[float]) -> WebhookHandler:
    """The webhook handler of payment_intent.* events, with the retry schedule bound."""

    async def on_payment_intent(conn: Connection, event: WebhookEvent) -> None:
        metadata = event.object.get("metadata") or {}
        payment = await repository.payment_by_intent(conn, str(event.object.get("id")))
        if payment is None and "ladda_payment_id" not in metadata:
            return  # not one of ours (the Stripe account may serve other systems too)
        intent = payment_intent_info(event.object)
        if payment is None:
            link = intent.metadata.get("ladda_payment_id")
            if not link:
                return  # not one of ours
            try:
                candidate = await repository.get_payment(conn, UUID(link), for_update=True)
            except ValueError:
                return
            if candidate is None or candidate["status"] != "creating":
                return
            # We crashed after Stripe created the intent and before we stored its id.
            await repository.set_payment_intent(conn, candidate["id"], intent.id)
            payment = candidate
        await settle(conn, payment["id"], intent, schedule)

    return on_payment_intent
