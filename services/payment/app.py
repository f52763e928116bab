"""Composition root of the payment service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

import httpx
import structlog
from fastapi import FastAPI

from services.payment import local_stripe
from services.payment.billing.collector import Collector
from services.payment.card_starts.router import router as card_starts
from services.payment.connectors import events as connector_events
from services.payment.customers.router import router as payment_methods
from services.payment.deps import PaymentContext
from services.payment.events import build_consumers
from services.payment.guests import router as guests
from services.payment.holds import events as hold_events
from services.payment.holds.router import router as holds
from services.payment.holds.worker import HoldWorker
from services.payment.invoices.router import router as invoices
from services.payment.settings import Settings
from services.payment.stripe_gateway import StripeGateway
from services.payment.subscriptions import router as subscriptions
from services.payment.tariffs.router import router as tariffs
from services.payment.webhooks import service as webhooks
from services.payment.webhooks.dispatch import WebhookDispatcher
from services.payment.webhooks.router import router as stripe_webhooks
from services.payment.wiring import register_webhook_handlers
from shared.auth.jwt import KeySource
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or Settings()
    dispatcher = WebhookDispatcher()
    register_webhook_handlers(dispatcher, settings)
    stripe = StripeGateway(settings)

    async def on_database_ready(runtime: ServiceRuntime) -> None:
        try:
            await local_stripe.register_webhook(settings)
        except httpx.HTTPError as exc:
            # Not fatal: payments work without webhooks; the state is read back from Stripe.
            log.warning("payment.webhook.registration_failed", error=repr(exc))

    async def close_stripe_on_stop() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await stripe.aclose()

    def background(runtime: ServiceRuntime) -> Sequence[Coroutine[Any, Any, None]]:
        assert runtime.pool is not None
        return [
            webhooks.run_retries(runtime.pool, dispatcher, settings.webhook_retry_interval_s),
            payments.collector.run(),
            hold_worker.run(),
            close_stripe_on_stop(),
        ]

    def consumers(runtime: ServiceRuntime) -> Sequence[EventConsumer]:
        return [
            *build_consumers(runtime, settings),
            *hold_events.build_consumers(runtime, settings),
            *connector_events.build_consumers(runtime, settings),
        ]

    runtime = ServiceRuntime(
        name="payment",
        settings=settings,
        migrations=MIGRATIONS,
        consumers=consumers,
        background=background,
        on_database_ready=on_database_ready,
    )
    payments = PaymentContext(
        runtime=runtime,
        settings=settings,
        stripe=stripe,
        dispatcher=dispatcher,
        collector=Collector(runtime, stripe, settings),
    )
    hold_worker = HoldWorker(runtime, stripe, settings)
    app = create_service_app(
        runtime=runtime,
        title="Ladda payment",
        description="Tariffs, Stripe customers and payment methods (references only), payments, invoices, plans and subscriptions.",
        routers=[
            payment_methods,
            tariffs,
            invoices,
            holds,
            card_starts,
            guests.qr,
            guests.router,
            subscriptions.plans,
            subscriptions.router,
            stripe_webhooks,
        ],
        key_source=key_source,
    )
    app.state.payments = payments
    app.state.holds = hold_worker
    return app
