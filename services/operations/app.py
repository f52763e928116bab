"""Composition root of the operations service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.operations import jobs
from services.operations.alerts.router import router as alerts
from services.operations.equipment.router import public as station_safety
from services.operations.equipment.router import router as equipment
from services.operations.events import build_consumers
from services.operations.inspections.router import router as inspections
from services.operations.maintenance.router import plans, templates
from services.operations.settings import Settings
from services.operations.workorders.router import router as work_orders
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
        routers=[
            alerts,
            equipment,
            station_safety,
            templates,
            plans,
            inspections,
            work_orders,
        ],
        key_source=key_source,
    )
