"""The gateway's own operational endpoints: health, readiness, metrics.

`/healthz` is public. On the public port `/readyz` says only ready or not (a load balancer
needs no more), and `/metrics` and the per-check readiness answer admins only: they describe
the platform's internals. Prometheus and probes use the internal listener instead
(`LADDA_GATEWAY_INTERNAL_PORT`), which serves the platform's usual `/healthz`, `/readyz` (with
every check) and `/metrics` without a token and is kept off the public network.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping

import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.auth import Authenticator
from shared.health import ReadinessCheck, run_checks
from shared.health import router as health_router
from shared.problems import Forbidden


async def _require_admin(request: Request) -> None:
    authenticator: Authenticator = request.app.state.authenticator
    principal = await authenticator.principal(request.headers.get("authorization", "").encode())
    if not principal.has_any({"admin"}):
        raise Forbidden("Only admins may read this here; use the internal port.")


def public_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        checks: Mapping[str, ReadinessCheck] = request.app.state.readiness_checks
        results = await run_checks(checks)
        ready = all(results.values())
        body: dict[str, object] = {"status": "ready" if ready else "not-ready"}
        if "authorization" in request.headers:
            await _require_admin(request)
            body["checks"] = results
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        await _require_admin(request)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def internal_app(checks: Mapping[str, ReadinessCheck]) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.readiness_checks = checks
    app.include_router(health_router)
    return app


class _QuietServer(uvicorn.Server):
    # The public server owns the process's signals; this one stops with its lifespan.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def internal_listener(app: FastAPI, host: str, port: int | None) -> AsyncIterator[None]:
    """Serve `app` on host:port for as long as the gateway runs (nothing when port is None)."""
    if port is None:
        yield
        return
    server = _QuietServer(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve(), name="gateway:internal-listener")
    try:
        yield
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await task
