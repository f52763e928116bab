"""Which feature handles which Stripe event: the one place the dispatch table is filled."""

from __future__ import annotations

from services.payment.customers import service as customers
from services.payment.webhooks.dispatch import WebhookDispatcher


def register_webhook_handlers(dispatcher: WebhookDispatcher) -> None:
    dispatcher.on("setup_intent.succeeded", customers.on_setup_intent_succeeded)
    dispatcher.on("payment_method.attached", customers.on_payment_method_attached)
    dispatcher.on("payment_method.detached", customers.on_payment_method_detached)
