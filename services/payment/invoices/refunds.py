"""Refunds: staff refund fully or partly through Stripe; Stripe's charge.refunded is applied
by comparing amounts (refunded amounts only grow), so any order of events ends the same."""

from __future__ import annotations

from uuid import UUID

import structlog

from services.payment.billing.issuing import publish_invoice
from services.payment.invoices import repository
from services.payment.stripe_gateway import StripeGateway
from services.payment.stripe_objects import WebhookEvent
from shared.db import Connection
from shared.events.payment import InvoiceRefunded
from shared.problems import Conflict, NotFound

log = structlog.get_logger(__name__)


async def refund(
    conn: Connection,
    stripe: StripeGateway,
    invoice_id: UUID,
    *,
    amount_minor: int | None,
    reason: str,
    requested_by: str,
) -> None:
    invoice = await repository.get_invoice(conn, invoice_id, for_update=True)
    if invoice is None:
        raise NotFound(f"No invoice {invoice_id}.")
    payment = await repository.succeeded_payment(conn, invoice_id)
    if invoice["status"] != "paid" or payment is None or not payment["stripe_payment_intent_id"]:
        raise Conflict(f"Invoice {invoice['number']} has no card payment to refund.")
    refundable = invoice["amount_paid_minor"] - invoice["amount_refunded_minor"]
    amount = refundable if amount_minor is None else amount_minor
    if amount <= 0 or amount > refundable:
        raise Conflict(
            f"At most {refundable} can be refunded on invoice {invoice['number']}.",
            refundable_minor=refundable,
        )
    sequence = await repository.refund_count(conn, invoice_id) + 1
    made = await stripe.create_refund(
        key=f"invoice:{invoice_id}:refund:{sequence}:{amount}",
        payment_intent_id=payment["stripe_payment_intent_id"],
        amount=amount,
        metadata={"ladda_invoice_id": str(invoice_id), "reason": reason[:450]},
    )
    await repository.insert_refund(
        conn,
        {
            "invoice_id": invoice_id,
            "payment_id": payment["id"],
            "stripe_refund_id": made.id,
            "amount_minor": made.amount,
            "currency": invoice["currency"],
            "reason": reason,
            "requested_by": requested_by,
            "status": made.status,
        },
    )
    row = await repository.raise_refunded(
        conn, invoice_id, invoice["amount_refunded_minor"] + made.amount
    )
    await publish_invoice(
        conn, InvoiceRefunded, row, refund_amount_minor=made.amount, reason=reason
    )
    log.info(
        "payment.invoice.refunded",
        invoice_id=str(invoice_id),
        amount_minor=made.amount,
        by=requested_by,
    )


async def on_charge_refunded(conn: Connection, event: WebhookEvent) -> None:
    charge = event.object
    intent_id = charge.get("payment_intent")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    if not isinstance(intent_id, str):
        return
    payment = await repository.payment_by_intent(conn, intent_id)
    if payment is None:
        return  # not one of ours
    invoice = await repository.get_invoice(conn, payment["invoice_id"], for_update=True)
    assert invoice is not None
    refunds = (charge.get("refunds") or {}).get("data") or []
    for item in refunds:
        await repository.insert_refund(
            conn,
            {
                "invoice_id": invoice["id"],
                "payment_id": payment["id"],
                "stripe_refund_id": str(item["id"]),
                "amount_minor": int(item["amount"]),
                "currency": invoice["currency"],
                "reason": (item.get("metadata") or {}).get("reason") or item.get("reason"),
                "requested_by": "stripe",
                "status": str(item.get("status") or "succeeded"),
            },
        )
    refunded = int(charge.get("amount_refunded") or 0)
    if refunded <= invoice["amount_refunded_minor"]:
        return  # nothing new (our own refund, a repeat, or an older state arriving late)
    row = await repository.raise_refunded(conn, invoice["id"], refunded)
    await publish_invoice(
        conn,
        InvoiceRefunded,
        row,
        refund_amount_minor=refunded - invoice["amount_refunded_minor"],
        reason="refunded in Stripe",
    )
