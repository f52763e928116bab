"""/healthz (the process answers), /readyz (its dependencies answer), /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

ReadinessCheck = Callable[[], Awaitable[bool]]
CHECK_TIMEOUT_S = 2.0

router = APIRouter(tags=["health"])


async def _run_check(check: ReadinessCheck) -> bool:
    try:
        return await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except Exception:
        return False


async def run_checks(checks: Mapping[str, ReadinessCheck]) -> dict[str, bool]:
    results = await asyncio.gather(*(_run_check(c) for c in checks.values()))
    return dict(zip(checks, results, strict=True))


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    checks: Mapping[str, ReadinessCheck] = request.app.state.readiness_checks
    results = await run_checks(checks)
    ready = all(results.values())
    return JSONResponse(
        {"status": "ready" if ready else "not-ready", "checks": results},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
