"""/healthz (the process answers), /readyz (its dependencies answer), /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Mapping

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest

ReadinessCheck = Callable[[], Awaitable[bool]]

GC_PAUSE = Histogram(
    "ladda_gc_pause_seconds",
    "Time the garbage collector stopped the process, by generation",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
_gc_started = 0.0


def _gc_timer(phase: str, info: dict[str, int]) -> None:
    """Every collection pauses the whole event loop: measure it, and log the long ones."""
    global _gc_started
    if phase == "start":
        _gc_started = time.perf_counter()
        return
    pause = time.perf_counter() - _gc_started
    GC_PAUSE.labels(str(info["generation"])).observe(pause)
    if pause > 0.05:
        log.warning(
            "runtime.gc.pause",
            generation=info["generation"],
            pause_ms=round(pause * 1000, 1),
            collected=info["collected"],
        )


def watch_gc_pauses() -> None:
    if _gc_timer not in gc.callbacks:
        gc.callbacks.append(_gc_timer)


CHECK_TIMEOUT_S = 2.0

log = structlog.get_logger(__name__)

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
