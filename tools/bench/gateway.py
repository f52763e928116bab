"""The gateway's cost: the same authenticated read through the gateway and straight to identity.

identity (`GET /v1/users/me`, which verifies the token and reads the user from PostgreSQL) and
the gateway run as separate uvicorn processes, as in production; the load comes from a third
process (`python -m tools.bench.gateway load ...`, a lean keep-alive HTTP/1.1 client) so the
load generator shares no event loop with what it measures. Direct and gateway runs alternate,
and each figure is the better of two rounds, to damp other work on the machine.

Two questions, two measurements:
- throughput: a fixed number of connections (`CONCURRENCY`) for `DURATION_S`; requests per
  second through the gateway against straight to identity (target ratio >= 0.5);
- added latency: one connection, request after request, so no queueing hides in it; p50 through
  the gateway minus p50 straight to identity (target < 2 ms), and the p99 of both.
"""

from __future__ import annotations

import argparse
import asyncio
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
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg
import httpx

from tools.bench import Figure
from tools.localstack import ROOT

CONCURRENCY = int(os.environ.get("LADDA_BENCH_GATEWAY_CONCURRENCY", "32"))
DURATION_S = float(os.environ.get("LADDA_BENCH_GATEWAY_DURATION_S", "8"))
LATENCY_DURATION_S = float(os.environ.get("LADDA_BENCH_GATEWAY_LATENCY_DURATION_S", "4"))
ROUNDS = 2
DATABASE = "ladda_bench_gateway_identity"
LOGS = ROOT / ".local" / "logs"
# The access token reaches the load generator through its environment, not its command line.
TOKEN_VARIABLE = "LADDA_BENCH_GATEWAY_TOKEN"


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _fresh_database() -> str:
    admin = os.environ["LADDA_PG_ADMIN_URL"]
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'drop database if exists "{DATABASE}" with (force)')
        await conn.execute(f'create database "{DATABASE}"')
    finally:
        await conn.close()
    return admin.rsplit("/", 1)[0] + "/" + DATABASE


@contextlib.asynccontextmanager
async def _uvicorn(name: str, app: str, port: int, env: dict[str, str]) -> AsyncIterator[str]:
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"bench-{name}.log"
    with log_path.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--no-access-log", "--log-level", "warning",
            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                deadline = time.monotonic() + 60
                while True:
                    if process.returncode is not None:
                        raise RuntimeError(f"{name} exited; see {log_path}")
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(f"{url}/readyz")).status_code == 200:
                            break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} not ready in 60 s; see {log_path}")
                    await asyncio.sleep(0.2)
            yield url
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 15)
                except TimeoutError:
                    process.kill()
                    await process.wait()


# -- the load generator (runs in its own process) --------------------------------------------


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if length is not None:
        await reader.readexactly(length)
    elif chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _load(url: str, token: str, concurrency: int, duration: float) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                started = time.perf_counter()
                if started >= stop_at:
                    return
                writer.write(request)
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return LoadResult(
        requests=len(ordered),
        errors=errors,
        seconds=elapsed,
        p50_ms=statistics.median(ordered) * 1000 if ordered else float("nan"),
        p99_ms=ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else float("nan"),
    )


async def _drive(url: str, token: str, concurrency: int, duration: float) -> LoadResult:
    """Run the load generator in its own process and read its result."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tools.bench.gateway", "load", url,
        "--concurrency", str(concurrency), "--duration", str(duration),
        stdout=asyncio.subprocess.PIPE, cwd=ROOT, env={**os.environ, TOKEN_VARIABLE: token},
    )  # fmt: skip
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed for {url}")
    data = json.loads(out)
    return LoadResult(**data)


# -- the benchmark ---------------------------------------------------------------------------


async def _token(identity: str) -> str:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    password = "bench-" + uuid.uuid4().hex
    async with httpx.AsyncClient(base_url=identity, timeout=30) as client:
        registered = await client.post(
            "/v1/auth/register", json={"email": email, "password": password}
        )
        registered.raise_for_status()
        login = await client.post("/v1/auth/login", json={"email": email, "password": password})
        login.raise_for_status()
        token: str = login.json()["access_token"]
        return token


def _best(results: list[LoadResult], *, by_latency: bool = False) -> LoadResult:
    if by_latency:
        return min(results, key=lambda r: r.p50_ms)
    return max(results, key=lambda r: r.rps)


async def run() -> list[Figure]:
    identity_port, gateway_port = _free_port(), _free_port()
    identity_env = {
        "LADDA_IDENTITY_DATABASE_URL": await _fresh_database(),
        "LADDA_IDENTITY_PORT": str(identity_port),
        "LADDA_IDENTITY_CONSUMER_GROUP_SUFFIX": f"-bench-{uuid.uuid4().hex[:6]}",
        "LADDA_JWKS_URL": f"http://127.0.0.1:{identity_port}/.well-known/jwks.json",
        "LADDA_LOG_FORMAT": "json",
    }
    async with _uvicorn(
        "identity", "services.identity.app:create_app", identity_port, identity_env
    ) as identity:
        gateway_env = {
            "LADDA_GATEWAY_UPSTREAM_IDENTITY": identity,
            # Only identity runs here: the gateway is ready once every routed upstream's
            # OpenAPI is merged, so it routes identity's prefixes alone.
            "LADDA_GATEWAY_ROUTES": json.dumps(
                {
                    prefix: "identity"
                    for prefix in ("/v1/auth", "/v1/users", "/.well-known/jwks.json")
                }
            ),
            "LADDA_JWKS_URL": identity_env["LADDA_JWKS_URL"],
            # The limiter stays on (its cost is part of the figure), above what one user drives.
            "LADDA_GATEWAY_RATE_LIMIT_PER_USER": "10000000/hour",
            "LADDA_GATEWAY_RATE_LIMIT_PER_ADDRESS": "10000000/hour",
            "LADDA_LOG_FORMAT": "json",
        }
        async with _uvicorn("gateway", "gateway.app:create_app", gateway_port, gateway_env) as gw:
            token = await _token(identity)
            direct_url, gateway_url = f"{identity}/v1/users/me", f"{gw}/v1/users/me"
            # Warm both paths (connection pools, JWKS, caches).
            await _drive(direct_url, token, 4, 1.0)
            await _drive(gateway_url, token, 4, 1.0)
            direct_tp, gateway_tp, direct_lat, gateway_lat = [], [], [], []
            for _ in range(ROUNDS):
                direct_tp.append(await _drive(direct_url, token, CONCURRENCY, DURATION_S))
                gateway_tp.append(await _drive(gateway_url, token, CONCURRENCY, DURATION_S))
                direct_lat.append(await _drive(direct_url, token, 1, LATENCY_DURATION_S))
                gateway_lat.append(await _drive(gateway_url, token, 1, LATENCY_DURATION_S))
    for result in (*direct_tp, *gateway_tp, *direct_lat, *gateway_lat):
        if result.errors:
            raise RuntimeError(f"{result.errors} of {result.requests} reads failed")
    d_tp, g_tp = _best(direct_tp), _best(gateway_tp)
    d_lat, g_lat = _best(direct_lat, by_latency=True), _best(gateway_lat, by_latency=True)
    added = g_lat.p50_ms - d_lat.p50_ms
    cores = os.cpu_count()
    return [
        Figure(
            name="gateway: authenticated read throughput",
            value=g_tp.rps,
            baseline=d_tp.rps,
            unit="req/s",
            baseline_name="GET /v1/users/me straight to identity",
            target=0.5,
            note=(
                f"{CONCURRENCY} connections, {DURATION_S:g} s, best of {ROUNDS}; gateway p50/p99 "
                f"{g_tp.p50_ms:.2f}/{g_tp.p99_ms:.2f} ms, direct {d_tp.p50_ms:.2f}/"
                f"{d_tp.p99_ms:.2f} ms; {cores} CPUs shared by load, gateway, identity, PostgreSQL"
            ),
        ),
        Figure(
            name="gateway: p50 latency added (1 connection)",
            value=added,
            baseline=2.0,
            unit="ms",
            baseline_name="the 2 ms budget",
            target=1.0,
            higher_is_better=False,
            note=(f"p50 through the gateway {g_lat.p50_ms:.3f} ms, direct {d_lat.p50_ms:.3f} ms"),
        ),
        Figure(
            name="gateway: p99 latency (1 connection)",
            value=g_lat.p99_ms,
            baseline=d_lat.p99_ms,
            unit="ms",
            baseline_name="p99 straight to identity",
            higher_is_better=False,
        ),
    ]


def _main() -> None:
    parser = argparse.ArgumentParser(description="load generator of the gateway benchmark")
    parser.add_argument("mode", choices=["load"])
    parser.add_argument("url")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--duration", type=float, default=DURATION_S)
    args = parser.parse_args()
    token = os.environ[TOKEN_VARIABLE]
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        result = asyncio.run(_load(args.url, token, args.concurrency, args.duration))
    else:
        result = uvloop.run(_load(args.url, token, args.concurrency, args.duration))
    print(json.dumps(result.__dict__))


if __name__ == "__main__":
    _main()
