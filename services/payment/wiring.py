"""Which feature handles which Stripe event: the one place the dispatch table is filled."""

from __future__ import annotations

from services.payment.billing.settlement import payment_intent_handler
from services.payment.customers import service as customers
from services.payment.holds.events import register_webhooks as register_hold_webhooks
from services.payment.invoices.refunds import on_charge_refunded
from services.payment.settings import Settings
from services.payment.subscriptions import webhooks as subscriptions
from services.payment.webhooks.dispatch import WebhookDispatcher


def register_webhook_handlers(dispatcher: WebhookDispatcher, settings: Settings) -> None:
    dispatcher.on("setup_intent.succeeded", customers.on_setup_intent_succeeded)
    dispatcher.on("payment_method.attached", customers.on_payment_method_attached)
    dispatcher.on("payment_method.detached", customers.on_payment_method_detached)
    dispatcher.on("customer.deleted", customers.on_customer_deleted)
    on_payment_intent = payment_intent_handler(settings.charge_retry_schedule_s)
    for event_type in (
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.processing",
        "payment_intent.canceled",
    ):
        dispatcher.on(event_type, on_payment_intent)
    dispatcher.on("charge.refunded", on_charge_refunded)
    register_hold_webhooks(dispatcher, settings)
    subscriptions.register(dispatcher)
