"""Composition root of the connectivity service: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.connectivity.settings import Settings
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(name="connectivity", settings=settings, migrations=MIGRATIONS)
    return create_service_app(
        runtime=runtime,
        title="Ladda connectivity",
        description="Charge points, OCPP 1.6J/2.0.1 connections, charging sessions, meter samples and remote commands.",
        routers=[],
    )
