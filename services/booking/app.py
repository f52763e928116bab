"""Composition root of the booking service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.booking.reservations.router import router as reservations
from services.booking.settings import Settings
from shared.auth.jwt import KeySource
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(name="booking", settings=settings, migrations=MIGRATIONS)
    return create_service_app(
        runtime=runtime,
        title="Ladda booking",
        description="Reservations of a connector for a time window, and availability.",
        routers=[reservations],
        key_source=key_source,
    )
