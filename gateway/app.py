"""Composition root of the gateway: `create_app()` for uvicorn (`--factory`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from starlette.responses import Response

from gateway.proxy import RoutingTable, forward
from gateway.settings import GatewaySettings
from shared.health import router as health_router
from shared.http import RequestContextMiddleware
from shared.logging import configure_logging
from shared.problems import install_problem_handlers, problem

PROXIED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


async def _gateway_ready() -> bool:
    return True


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    table = RoutingTable(settings.routes)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", level=settings.log_level, fmt=settings.log_format)
        async with httpx.AsyncClient(
            timeout=settings.upstream_timeout_s,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        ) as client:
            app.state.http = client
            yield

    app = FastAPI(title="Ladda API", version="1.0.0", lifespan=lifespan)
    app.state.readiness_checks = {"gateway": _gateway_ready}
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="gateway")
    app.include_router(health_router)

    @app.api_route("/{path:path}", methods=PROXIED_METHODS, include_in_schema=False)
    async def proxy(request: Request, path: str) -> Response:
        service = table.service_for(request.url.path)
        if service is None:
            return problem(404, "No resource lives at this path.")
        return await forward(request, request.app.state.http, settings.upstream(service))

    return app
