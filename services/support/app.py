"""Composition root of the support service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.support import jobs
from services.support.clock import Clock
from services.support.events import build_consumers
from services.support.settings import Settings
from services.support.tickets.router import drivers, staff
from services.support.tickets.service import Tickets
from shared.auth.jwt import KeySource
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(
    settings: Settings | None = None,
    *,
    key_source: KeySource | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or Settings()
    clock = clock or Clock()
    tickets = Tickets(settings)

    def consumers(runtime: ServiceRuntime) -> Sequence[EventConsumer]:
        return build_consumers(runtime, tickets, clock)

    def background(runtime: ServiceRuntime) -> Sequence[Coroutine[Any, Any, None]]:
        return [
            jobs.run_sla_checks(runtime, tickets, clock),
            jobs.run_auto_close(runtime, tickets, clock),
        ]

    runtime = ServiceRuntime(
        name="support",
        settings=settings,
        migrations=MIGRATIONS,
        consumers=consumers,
        background=background,
    )
    app = create_service_app(
        runtime=runtime,
        title="Ladda support",
        description=(
            "Customer-support tickets linked to sessions, stations, bookings and invoices, "
            "with SLA tracking and automatic tickets."
        ),
        routers=[drivers, staff],
        key_source=key_source,
    )
    app.state.clock = clock
    app.state.tickets = tickets
    return app
