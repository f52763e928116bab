"""Composition root of the booking service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.booking.availability.router import router as availability
from services.booking.events import build_consumers
from services.booking.lifecycle import service as lifecycle
from services.booking.maintenance.router import router as maintenance
from services.booking.reservations.router import router as reservations
from services.booking.settings import Settings
from shared.auth.jwt import KeySource
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or Settings()

    def consumers(runtime: ServiceRuntime) -> Sequence[EventConsumer]:
        return build_consumers(runtime, settings)

    def background(runtime: ServiceRuntime) -> Sequence[Coroutine[Any, Any, None]]:
        return [lifecycle.run(runtime.transaction, settings)]

    runtime = ServiceRuntime(
        name="booking",
        settings=settings,
        migrations=MIGRATIONS,
        consumers=consumers,
        background=background,
    )
    return create_service_app(
        runtime=runtime,
        title="Ladda booking",
        description="Reservations of a connector for a time window, and availability.",
        # Maintenance before availability: its paths are more specific.
        routers=[reservations, maintenance, availability],
        key_source=key_source,
    )
