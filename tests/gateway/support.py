"""Test helpers for the gateway: a small upstream whose answers are under the test's control
(echo, slow, large). Tokens and the JWKS come from `tests.helpers.tokens`."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse


def echo_app() -> FastAPI:
    """An upstream that shows what it received, and can be slow or stream a large answer."""
    app = FastAPI()

    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        return JSONResponse(
            {
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "headers": {k: v for k, v in request.headers.items()},
                "body_bytes": len(body),
            }
        )

    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        app.add_api_route(
            "/v1/support/echo", echo, methods=[method], operation_id=f"echo_{method.lower()}"
        )

    @app.get("/v1/support/slow")
    async def slow(seconds: float = 2.0) -> dict[str, str]:
        await asyncio.sleep(seconds)
        return {"status": "late"}

    @app.post("/v1/charge-points/{cp_id}/commands")
    async def command(cp_id: str, request: Request) -> dict[str, Any]:
        # Like connectivity: waits for the charger's answer up to the command's timeout.
        body = await request.json()
        await asyncio.sleep(float(body.get("timeout_s", 1.0)))
        return {"charge_point_id": cp_id, "status": "Accepted"}

    @app.get("/v1/support/stream")
    async def stream(chunks: int = 64) -> StreamingResponse:
        async def produce() -> Any:
            for index in range(chunks):
                yield f"{index:08d}".encode() * 1024
                await asyncio.sleep(0)

        return StreamingResponse(produce(), media_type="application/octet-stream")

    return app
