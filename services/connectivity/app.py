"""Composition root of the connectivity service: `create_app()` for uvicorn (`--factory`).

One process serves the REST API and, as a background task of the runtime, the OCPP WebSocket
endpoint; the hub's flusher and housekeeping run next to them.
"""

from __future__ import annotations

import gc
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI

from services.connectivity.chargepoints import service as cp_service
from services.connectivity.chargepoints.router import locations
from services.connectivity.chargepoints.router import router as charge_points
from services.connectivity.commands.router import router as commands
from services.connectivity.events import build_consumers
from services.connectivity.framelog.router import router as frames
from services.connectivity.ocpp.hub import Hub
from services.connectivity.ocpp.server import OcppServer
from services.connectivity.retention.service import RetentionJob
from services.connectivity.sessions.router import router as sessions
from services.connectivity.settings import Settings
from shared.auth.jwt import KeySource
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
log = structlog.get_logger(__name__)


def tune_gc(settings: Settings) -> None:
    """Keep full garbage collections from stalling every connected charger at once.

    With 10,000 connections a generation-2 collection scans ~1M objects and stopped the event
    loop for 0.3-0.9 s (measured: `runtime.gc.pause`), delaying every charger's answers. Objects
    alive after start-up (modules, compiled schemas, routes) are frozen out of every scan, and
    young collections run less often so fewer objects are promoted to be scanned again.
    """
    if settings.gc_freeze_after_start:
        gc.collect()
        gc.freeze()
    gc.set_threshold(*settings.gc_thresholds)


def create_app(settings: Settings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or Settings()
    hub: Hub

    async def on_database_ready(runtime: ServiceRuntime) -> None:
        # The replica id is stable across restarts: chargers this replica held before a crash
        # are released (offline) before it accepts a connection, or commands would be routed
        # to a replica that no longer holds them.
        async with runtime.transaction() as conn:
            await cp_service.replica_stopped(conn, settings.replica_id)
        if settings.seed_file:
            async with runtime.transaction() as conn:
                count = await cp_service.seed(conn, Path(settings.seed_file))
            log.info("connectivity.seeded", charge_points=count, file=settings.seed_file)
        tune_gc(settings)

    def consumers(runtime: ServiceRuntime) -> Sequence[EventConsumer]:
        return build_consumers(runtime, hub)

    def background(runtime: ServiceRuntime) -> Sequence[Coroutine[Any, Any, None]]:
        assert runtime.pool is not None
        retention = RetentionJob(runtime.pool, settings)
        return [server.run(), hub.run_flusher(), hub.run_housekeeping(), retention.run()]

    runtime = ServiceRuntime(
        name="connectivity",
        settings=settings,
        migrations=MIGRATIONS,
        consumers=consumers,
        background=background,
        on_database_ready=on_database_ready,
    )
    hub = Hub(runtime, settings)
    server = OcppServer(hub)
    app = create_service_app(
        runtime=runtime,
        title="Ladda connectivity",
        description="Charge points, OCPP 1.6J/2.0.1 connections, charging sessions, meter samples and remote commands.",
        routers=[charge_points, commands, frames, sessions, locations],
        key_source=key_source,
    )
    app.state.hub = hub
    app.state.ocpp_server = server
    return app
