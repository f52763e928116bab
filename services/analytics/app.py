"""Composition root of the analytics service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.analytics.events import build_consumers
from services.analytics.settings import Settings
from services.analytics.stats.rollups import run_rollups
from services.analytics.stats.router import router as stats
from shared.auth.jwt import KeySource
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or Settings()

    def background(runtime: ServiceRuntime) -> Sequence[Coroutine[Any, Any, None]]:
        assert runtime.pool is not None
        return [run_rollups(runtime.pool, settings)]

    runtime = ServiceRuntime(
        name="analytics",
        settings=settings,
        migrations=MIGRATIONS,
        consumers=build_consumers,
        background=background,
    )
    return create_service_app(
        runtime=runtime,
        title="Ladda analytics",
        description="Read models built from events: a driver's own statistics, per-charge-point and network statistics.",
        routers=[stats],
        key_source=key_source,
    )
