"""Composition root of the payment service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.payment.settings import Settings
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(name="payment", settings=settings, migrations=MIGRATIONS)
    return create_service_app(
        runtime=runtime,
        title="Ladda payment",
        description="Tariffs, Stripe customers and payment methods (references only), payments, invoices, plans and subscriptions.",
        routers=[],
    )
