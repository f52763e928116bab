"""Stripe webhooks of subscriptions: `customer.subscription.*` carry the subscription's state;
`invoice.*` of a subscription say whether its fee was paid (paid: active, failed: past_due)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from services.payment.stripe_billing import subscription_info
from services.payment.stripe_objects import WebhookEvent
from services.payment.subscriptions import repository, service
from services.payment.webhooks.dispatch import WebhookDispatcher
from shared.db import Connection

SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)
INVOICE_PAID = ("invoice.paid", "invoice.payment_succeeded")
INVOICE_FAILED = "invoice.payment_failed"


def _at(event: WebhookEvent) -> datetime:
    return datetime.fromtimestamp(event.created, UTC)


async def on_subscription(conn: Connection, event: WebhookEvent) -> None:
    info = subscription_info(event.object)
    row = await repository.by_stripe_id(conn, info.id)
    if row is None:
        # Stripe answered our create, but its webhook came before we stored the id.
        link = info.metadata.get("ladda_subscription_id")
        try:
            row = (
                await repository.get_subscription(conn, UUID(link), for_update=True)
                if link
                else None
            )
        except ValueError:
            return
    if row is not None:
        await service.apply_state(conn, row, info, _at(event))


async def on_invoice(conn: Connection, event: WebhookEvent) -> None:
    stripe_id = event.object.get("subscription")
    if isinstance(stripe_id, dict):
        stripe_id = stripe_id.get("id")
    if not stripe_id:
        return  # not a subscription's invoice (Ladda's own session invoices are not Stripe's)
    row = await repository.by_stripe_id(conn, str(stripe_id))
    if row is None:
        return
    if event.type == INVOICE_FAILED and row["status"] in service.ACTIVE:
        await service.set_status(conn, row, "past_due", _at(event))
    elif event.type in INVOICE_PAID and row["status"] in ("past_due", "incomplete"):
        await service.set_status(conn, row, "active", _at(event))


def register(dispatcher: WebhookDispatcher) -> None:
    for event_type in SUBSCRIPTION_EVENTS:
        dispatcher.on(event_type, on_subscription)
    for event_type in (*INVOICE_PAID, INVOICE_FAILED):
        dispatcher.on(event_type, on_invoice)
