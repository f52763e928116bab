"""Composition root of the operations service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.operations import jobs
from services.operations.alerts.router import router as alerts
from services.operations.events import build_consumers
from services.operations.settings import Settings
from shared.auth.jwt import KeySource
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or Settings()

    def background(runtime: ServiceRuntime) -> Sequence[Coroutine[Any, Any, None]]:
        return [jobs.run_evaluation(runtime, settings)]

    runtime = ServiceRuntime(
        name="operations",
        settings=settings,
        migrations=MIGRATIONS,
        consumers=build_consumers,
        background=background,
    )
    return create_service_app(
        runtime=runtime,
        title="Ladda operations",
        description=(
            "Alerts, security equipment, maintenance plans, inspections with checklists, "
            "and work orders."
        ),
        routers=[alerts],
        key_source=key_source,
    )
