"""Availability for a map over HTTP, against a bare HTTP read of the same bookings.

Part of `python -m tools.bench booking` (it reuses the chargers `booking.py` seeded). The booking
service runs as its own uvicorn process, as in production (token verification against a JWKS,
its consumers, its pool), and answers `GET /v1/availability?bbox=…&from=…&to=…` for a map box.
The baseline is a bare server in a process of its own (`python -m tools.bench.booking_map bare`:
uvicorn, Starlette, asyncpg, no auth): one route whose one query SELECTs the holding bookings of
the chargers in the same box over the same day and has PostgreSQL write them as JSON. So the ratio is what the
availability view costs over the bare read of its input, both over HTTP. Requests go one after
another on one keep-alive connection from this process; the two servers alternate, and each
figure is the median of `ROUNDS` requests.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwt

from tools.bench import Figure
from tools.localstack import ROOT

ROUNDS = int(os.environ.get("LADDA_BENCH_BOOKING_MAP_ROUNDS", "15"))
DSN_VARIABLE = "LADDA_BENCH_BOOKING_MAP_DSN"  # to the bare server: a secret, not an argument
LOGS = ROOT / ".local" / "logs"
# PostgreSQL builds the JSON too: the floor of any HTTP answer made of those bookings.
_BARE_SELECT = """select coalesce(json_agg(json_build_array(r.charge_point_id, r.connector_id,
                                                  lower(r.during), upper(r.during))), '[]')::text
                    from reservations r join charge_points c on c.id = r.charge_point_id
                   where c.approval = 'approved'
                     and c.latitude between $1 and $3 and c.longitude between $2 and $4
                     and r.status in ('confirmed', 'active', 'fulfilled')
                     and r.during && tstzrange($5, $6, '[)')"""

Box = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Issuer:
    """Stands in for identity: one P-256 key, its JWKS served over HTTP, a driver's token."""

    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex[:12]
        self._key = ec.generate_private_key(ec.SECP256R1())

    def jwks(self) -> dict[str, Any]:
        numbers = self._key.public_key().public_numbers()

        def b64(value: int) -> str:
            return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()

        key = {"kty": "EC", "crv": "P-256", "kid": self.kid, "use": "sig", "alg": "ES256"}
        return {"keys": [{**key, "x": b64(numbers.x), "y": b64(numbers.y)}]}

    def token(self) -> str:
        now = int(time.time())
        claims = {
            "iss": os.environ.get("LADDA_JWT_ISSUER", "ladda-identity"),
            "aud": os.environ.get("LADDA_JWT_AUDIENCE", "ladda"),
            "sub": "bench-map-driver",
            "roles": ["driver"],
            "iat": now,
            "exp": now + 3600,
            "jti": uuid.uuid4().hex,
        }
        pem = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return str(jwt.encode(claims, pem, algorithm="ES256", headers={"kid": self.kid}))


@contextlib.asynccontextmanager
async def _jwks_server(issuer: _Issuer) -> AsyncIterator[str]:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def jwks(_: object) -> JSONResponse:
        return JSONResponse(issuer.jwks())

    port = _free_port()
    app = Starlette(routes=[Route("/.well-known/jwks.json", jwks)])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/.well-known/jwks.json"
    finally:
        server.should_exit = True
        await task


def _spawn(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A server process of this interpreter, logging to .local/logs/bench-<name>.log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / f"bench-{name}.log", "w") as log:
        return subprocess.Popen(
            [sys.executable, *args],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


@contextlib.asynccontextmanager
async def _process(
    name: str, args: list[str], env: dict[str, str], ready: str
) -> AsyncIterator[None]:
    """The server process, once `ready` answers 200; stopped on the way out."""
    process = _spawn(name, args, env)
    try:
        deadline = time.monotonic() + 120
        async with httpx.AsyncClient(timeout=5) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}, see its log")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(ready)).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} not ready in 120 s")
                await asyncio.sleep(0.2)
        yield
    finally:
        process.terminate()
        for _ in range(150):
            if process.poll() is not None:
                break
            await asyncio.sleep(0.1)
        else:
            process.kill()


async def measure(
    dsn: str, boxes: list[tuple[str, Box, int]], start: datetime, end: datetime
) -> list[Figure]:
    """`boxes`: (label, box, chargers expected in it)."""
    issuer = _Issuer()
    booking_port, bare_port = _free_port(), _free_port()
    async with contextlib.AsyncExitStack() as stack:
        jwks_url = await stack.enter_async_context(_jwks_server(issuer))
        await stack.enter_async_context(
            _process(
                "booking-map",
                [
                    "-m",
                    "uvicorn",
                    "services.booking.app:create_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(booking_port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                {
                    "LADDA_BOOKING_DATABASE_URL": dsn,
                    "LADDA_BOOKING_CONSUMER_GROUP_SUFFIX": f".bench-{uuid.uuid4().hex[:8]}",
                    # Its consumers read only what is published from now on.
                    "LADDA_KAFKA_NEW_GROUP_LOOKBACK_S": "1",
                    "LADDA_JWKS_URL": jwks_url,
                    "LADDA_LOG_LEVEL": "WARNING",
                },
                f"http://127.0.0.1:{booking_port}/readyz",
            )
        )
        await stack.enter_async_context(
            _process(
                "booking-map-bare",
                ["-m", "tools.bench.booking_map", "bare", str(bare_port)],
                {DSN_VARIABLE: dsn},
                f"http://127.0.0.1:{bare_port}/readyz",
            )
        )
        headers = {"Authorization": f"Bearer {issuer.token()}"}
        figures = []
        async with httpx.AsyncClient(timeout=60, headers=headers) as client:
            for label, box, expected in boxes:
                params = {
                    "bbox": ",".join(str(v) for v in box),
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                }
                service_url = f"http://127.0.0.1:{booking_port}/v1/availability"
                bare_url = f"http://127.0.0.1:{bare_port}/bookings"

                async def timed(url: str, params: dict[str, str] = params) -> tuple[float, bytes]:
                    started = time.perf_counter()
                    response = await client.get(url, params=params)
                    elapsed = (time.perf_counter() - started) * 1000
                    response.raise_for_status()
                    return elapsed, response.content

                _, body = await timed(service_url)  # warm both, and check the answer
                listed = len(json.loads(body)["charge_points"])
                if listed != expected:
                    raise RuntimeError(f"availability listed {listed} of {expected} chargers")
                _, rows = await timed(bare_url)
                service_ms, bare_ms = [], []
                for _ in range(ROUNDS):
                    bare_ms.append((await timed(bare_url))[0])
                    elapsed, body = await timed(service_url)
                    service_ms.append(elapsed)
                figures.append(
                    Figure(
                        name=f"booking: availability over HTTP, {label}",
                        value=statistics.median(service_ms),
                        baseline=statistics.median(bare_ms),
                        unit="ms",
                        baseline_name=(
                            f"bare HTTP server, one query returning the box's "
                            f"{len(json.loads(rows))} bookings as JSON"
                        ),
                        higher_is_better=False,
                        note=(
                            f"median of {ROUNDS}, alternating; GET /v1/availability?bbox= on the "
                            f"booking service process (token checked), {expected} chargers, a "
                            f"day, {len(body) / 1024:.0f} KiB; p90 "
                            f"{statistics.quantiles(service_ms, n=10)[-1]:.0f} ms"
                        ),
                    )
                )
    return figures


# -- the bare server ------------------------------------------------------------------------------


def _bare() -> None:
    import asyncpg
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    pools: list[asyncpg.Pool] = []

    async def bookings(request: Request) -> Response:
        min_lon, min_lat, max_lon, max_lat = (
            float(v) for v in request.query_params["bbox"].split(",")
        )
        start = datetime.fromisoformat(request.query_params["from"])
        end = datetime.fromisoformat(request.query_params["to"])
        body = await pools[0].fetchval(_BARE_SELECT, min_lat, min_lon, max_lat, max_lon, start, end)
        return Response(body, media_type="application/json")

    async def ready(_: Request) -> Response:
        return Response("ok")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(os.environ[DSN_VARIABLE], min_size=1, max_size=4)
        assert pool is not None
        pools.append(pool)
        yield
        await pool.close()

    app = Starlette(
        routes=[Route("/bookings", bookings), Route("/readyz", ready)], lifespan=lifespan
    )
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)


if __name__ == "__main__" and sys.argv[1:2] == ["bare"]:
    _bare()
