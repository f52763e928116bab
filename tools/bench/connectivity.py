"""Connectivity benchmarks: OCPP throughput, 10,000 chargers at once, and a reconnect storm.

Each figure is measured twice in one run with the same load generator: against the real
connectivity service (auth'd WebSocket, validation, persistence and Kafka) and against a bare
`websockets` server that answers the same frames without any of that. The servers and the load
generator run as separate processes (`python -m tools.bench.connectivity bare|load ...`), so on a
two-core machine the server under test has one core and the generator the other.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import resource
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from shared.clock import ocpp_time
from tools.bench import Figure
from tools.localstack import ROOT

# The fleet: 10,000 chargers heartbeating every 60 s, spread evenly (about 170 calls/s).
FLEET_SIZE = int(os.environ.get("LADDA_BENCH_CONNECTIVITY_CHARGERS", "10000"))
HEARTBEAT_PERIOD_S = 60.0
# How long heartbeats are measured once every charger is connected.
FLEET_WINDOW_S = float(os.environ.get("LADDA_BENCH_CONNECTIVITY_WINDOW_S", "60"))
# Throughput: this many chargers, each with one call outstanding (as OCPP requires).
THROUGHPUT_CHARGERS = 50
THROUGHPUT_WARMUP_S = 2.0
THROUGHPUT_DURATION_S = 5.0
# Rounds alternate between the two servers and the median counts: the machine is shared, and
# interleaving spreads any background load over both sides alike.
THROUGHPUT_ROUNDS = 3
# Connections opened at a time while the fleet builds up (not during the storm).
CONNECT_CONCURRENCY = 200
CALL_TIMEOUT_S = 30.0
SERVER_START_TIMEOUT_S = 120.0
STEP_TIMEOUT_S = 600.0

TARGET_THROUGHPUT_RATIO = 0.5
TARGET_HEARTBEAT_P99_MS = 100.0
TARGET_BYTES_PER_CONNECTION = 50_000
TARGET_BOOT_P99_MS = 1000.0

SUBPROTOCOL = "ocpp1.6"


# -- statistics (unit-tested) -----------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; NaN for no values."""
    if not values:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} outside 0..100")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Latencies:
    """Call latencies in milliseconds, and the calls that got no answer or an error."""

    samples_ms: list[float] = field(default_factory=list)
    errors: int = 0
    lost: int = 0

    def add(self, seconds: float) -> None:
        self.samples_ms.append(seconds * 1000.0)

    def summary(self) -> dict[str, float]:
        return {
            "count": len(self.samples_ms),
            "p50_ms": percentile(self.samples_ms, 50),
            "p99_ms": percentile(self.samples_ms, 99),
            "max_ms": max(self.samples_ms, default=math.nan),
            "errors": self.errors,
            "lost": self.lost,
        }


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def bytes_per_connection(rss_before: int, rss_after: int, connections: int) -> float:
    """Server memory each connection added (RSS growth over the number of connections)."""
    if connections <= 0:
        raise ValueError("no connections to share the memory between")
    return max(0, rss_after - rss_before) / connections


def slow_seconds(
    sent_at_s: Sequence[float], latencies_ms: Sequence[float], threshold_ms: float
) -> list[int]:
    """The whole seconds of the window in which some call took longer than `threshold_ms`."""
    return sorted(
        {int(at) for at, ms in zip(sent_at_s, latencies_ms, strict=True) if ms > threshold_ms}
    )


def heartbeat_offsets(count: int, period_s: float) -> list[float]:
    """When each charger first heartbeats so that `count` of them spread evenly over a period."""
    return [i * period_s / count for i in range(count)]


# -- the seed file the benchmark provisions -----------------------------------------------------


def charger_id(index: int) -> str:
    return f"BENCH-{index:05d}"


def charger_password(index: int) -> str:
    # At least 16 characters, as the service demands of chargers' passwords.
    return f"bench-{index:05d}-local-password"


def write_seed_file(path: Path, count: int) -> None:
    path.write_text(
        json.dumps(
            {
                "_comment": "Benchmark chargers (tools/bench/connectivity.py); local use only.",
                "charge_points": [
                    {
                        "id": charger_id(i),
                        "password": charger_password(i),
                        "ocpp_version": "1.6",
                        "vendor": "Ladda",
                        "model": "BenchCharger",
                        "serial_number": f"BENCH-SN-{i:05d}",
                        "connectors": 1,
                    }
                    for i in range(1, count + 1)
                ],
            }
        )
    )


# -- the bare server: answers the same frames, no validation, no persistence -------------------


def bare_answer(frame: str) -> str | None:
    """The CALLRESULT a minimal central system would send for `frame` (None if not a CALL)."""
    message = json.loads(frame)
    if message[0] != 2:
        return None
    unique_id, action = message[1], message[2]
    payload: dict[str, Any]
    if action == "BootNotification":
        payload = {
            "status": "Accepted",
            "currentTime": ocpp_time(timespec="seconds"),
            "interval": 60,
        }
    elif action == "Heartbeat":
        payload = {"currentTime": ocpp_time(timespec="seconds")}
    elif action in {"Authorize", "StartTransaction"}:
        payload = {"idTagInfo": {"status": "Accepted"}}
    else:
        payload = {}
    return json.dumps([3, unique_id, payload])


async def serve_bare(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed
    from websockets.typing import Subprotocol

    async def handle(connection: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for frame in connection:
                answer = bare_answer(str(frame))
                if answer is not None:
                    await connection.send(answer)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # The same WebSocket settings as the service, so the comparison is about what it does.
    async with serve(
        handle,
        "127.0.0.1",
        port,
        subprotocols=[Subprotocol("ocpp1.6"), Subprotocol("ocpp2.0.1")],
        compression=None,
        max_size=65_536,
        write_limit=16_384,
        max_queue=4,
        server_header=None,
    ):
        print(json.dumps({"event": "ready", "port": port}), flush=True)
        await stop.wait()


# -- the load generator -------------------------------------------------------------------------


class CallLost(Exception):
    """A call got no answer in time, or the connection went down before it came."""


class BenchCharger:
    """One simulated charger of the load generator: raw OCPP 1.6 frames, one call at a time."""

    def __init__(self, index: int, url: str) -> None:
        self.index = index
        self.url = f"{url.rstrip('/')}/{charger_id(index)}"
        self.connection: Any = None
        self._ids = itertools.count(1)

    async def connect(self, open_timeout: float = 60.0) -> None:
        import base64

        from websockets.asyncio.client import connect
        from websockets.typing import Subprotocol

        credentials = f"{charger_id(self.index)}:{charger_password(self.index)}".encode()
        self.connection = await connect(
            self.url,
            subprotocols=[Subprotocol(SUBPROTOCOL)],
            additional_headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()},
            compression=None,
            open_timeout=open_timeout,
            ping_interval=None,
            close_timeout=5,
            max_queue=4,
        )

    async def call(self, action: str, payload: dict[str, Any] | str) -> bool:
        """Send a CALL and wait for its answer: True for a CALLRESULT, False for a CALLERROR.

        `payload` may come serialised already: the generator must stay cheaper than the servers.
        """
        unique_id = str(next(self._ids))
        body = payload if isinstance(payload, str) else json.dumps(payload)
        await self.connection.send(f'[2,"{unique_id}","{action}",{body}]')
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                while True:
                    frame = json.loads(await self.connection.recv())
                    if frame[0] == 2:
                        # The central system asked something; a bench charger supports nothing.
                        await self.connection.send(
                            json.dumps([4, frame[1], "NotImplemented", "bench charger", {}])
                        )
                        continue
                    if frame[1] == unique_id:
                        return bool(frame[0] == 3)
        except (TimeoutError, OSError) as error:
            raise CallLost(action) from error
        except Exception as error:
            if type(error).__name__.startswith("ConnectionClosed"):
                raise CallLost(action) from error
            raise

    async def timed_call(
        self, action: str, payload: dict[str, Any] | str, latencies: Latencies
    ) -> None:
        started = time.perf_counter()
        try:
            ok = await self.call(action, payload)
        except CallLost:
            latencies.lost += 1
            return
        if ok:
            latencies.add(time.perf_counter() - started)
        else:
            latencies.errors += 1

    async def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close()
            self.connection = None


BOOT = {"chargePointVendor": "Ladda", "chargePointModel": "BenchCharger"}


def status_payload() -> dict[str, Any]:
    return {
        "connectorId": 1,
        "errorCode": "NoError",
        "status": "Available",
        "timestamp": ocpp_time(timespec="seconds"),
    }


def meter_payload(register_wh: int) -> str:
    return json.dumps(
        {
            "connectorId": 1,
            "meterValue": [
                {
                    "timestamp": ocpp_time(timespec="seconds"),
                    "sampledValue": [
                        {
                            "value": str(register_wh),
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                        },
                        {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
                    ],
                }
            ],
        }
    )


def emit(event: str, **values: Any) -> None:
    print(json.dumps({"event": event, **values}), flush=True)


async def wait_for_go() -> None:
    """Block until the parent writes a line on stdin (it measures the server meanwhile)."""
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def _bounded(jobs: Sequence[Callable[[], Awaitable[None]]], concurrency: int | None) -> None:
    if concurrency is None:
        await asyncio.gather(*(job() for job in jobs))
        return
    gate = asyncio.Semaphore(concurrency)

    async def run(job: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(run(job) for job in jobs))


async def connect_and_boot(
    chargers: Sequence[BenchCharger], concurrency: int | None
) -> dict[str, Any]:
    """Connect and boot every charger; returns connect errors and Boot/Status latencies."""
    boots, statuses, to_boot = Latencies(), Latencies(), Latencies()
    connect_errors: list[str] = []

    def job(charger: BenchCharger) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            started = time.perf_counter()
            try:
                await charger.connect()
            except Exception as error:
                connect_errors.append(type(error).__name__)
                return
            answered = len(boots.samples_ms)
            await charger.timed_call("BootNotification", BOOT, boots)
            if len(boots.samples_ms) > answered:
                to_boot.add(time.perf_counter() - started)
            await charger.timed_call("StatusNotification", status_payload(), statuses)

        return run

    started = time.monotonic()
    await _bounded([job(c) for c in chargers], concurrency)
    return {
        "seconds": time.monotonic() - started,
        "connect_errors": len(connect_errors),
        "connect_error_kinds": sorted(set(connect_errors)),
        "boot": boots.summary(),
        "status": statuses.summary(),
        "connect_to_boot": to_boot.summary(),
    }


async def scenario_throughput(url: str, count: int, duration_s: float, warmup_s: float) -> None:
    chargers = [BenchCharger(i, url) for i in range(1, count + 1)]
    booted = await connect_and_boot(chargers, CONNECT_CONCURRENCY)
    latencies = Latencies()
    measuring = asyncio.Event()
    loop = asyncio.get_running_loop()
    end = loop.time() + warmup_s + duration_s

    async def drive(charger: BenchCharger) -> None:
        if charger.connection is None:
            return
        register = 1_000_000
        for n in itertools.count():
            if loop.time() >= end:
                return
            register += 7
            action, payload = (
                ("Heartbeat", "{}") if n % 2 == 0 else ("MeterValues", meter_payload(register))
            )
            target = latencies if measuring.is_set() else Latencies()
            await charger.timed_call(action, payload, target)

    async def open_window() -> None:
        await asyncio.sleep(warmup_s)
        measuring.set()
        emit("window")

    window = asyncio.create_task(open_window())
    await asyncio.gather(*(drive(c) for c in chargers))
    await window
    summary = latencies.summary()
    emit(
        "throughput",
        calls=summary["count"],
        seconds=duration_s,
        calls_per_s=rate(int(summary["count"]), duration_s),
        latency=summary,
        connect_errors=booted["connect_errors"],
    )
    await asyncio.gather(*(c.close() for c in chargers))


async def scenario_fleet(url: str, count: int, window_s: float, period_s: float) -> None:
    """Connect the fleet, heartbeat it for a window, drop it all and let it storm back."""
    chargers = [BenchCharger(i, url) for i in range(1, count + 1)]
    build = await connect_and_boot(chargers, CONNECT_CONCURRENCY)
    connected = sum(1 for c in chargers if c.connection is not None)
    emit("connected", connected=connected, **build)
    await wait_for_go()

    latencies = Latencies()
    # When each answered heartbeat was sent: shows whether slow answers come in bursts.
    when: list[float] = []
    loop = asyncio.get_running_loop()
    start = loop.time()
    end = start + window_s

    async def heartbeat(charger: BenchCharger, offset: float) -> None:
        if charger.connection is None:
            return
        due = start + offset
        while due < end:
            await asyncio.sleep(max(0.0, due - loop.time()))
            sent = loop.time()
            answered = len(latencies.samples_ms)
            await charger.timed_call("Heartbeat", {}, latencies)
            if len(latencies.samples_ms) > answered:
                when.append(sent - start)
            due += period_s

    offsets = heartbeat_offsets(count, period_s)
    await asyncio.gather(*(heartbeat(c, o) for c, o in zip(chargers, offsets, strict=True)))
    emit(
        "heartbeats",
        window_s=window_s,
        calls_per_s=rate(len(latencies.samples_ms), window_s),
        slow_seconds=slow_seconds(when, latencies.samples_ms, threshold_ms=TARGET_HEARTBEAT_P99_MS),
        **latencies.summary(),
    )

    await _bounded([c.close for c in chargers], CONNECT_CONCURRENCY)
    emit("closed", connected=0)
    await wait_for_go()
    storm = await connect_and_boot(chargers, None)
    emit("storm", **storm)
    await _bounded([c.close for c in chargers], CONNECT_CONCURRENCY)


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- the orchestration: servers, generator processes, figures ----------------------------------


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # Fields after the command name (which may hold spaces) start at field 3.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def wait_for_port(port: int, process: asyncio.subprocess.Process, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.returncode is not None:
            raise RuntimeError(f"server process exited with {process.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on port {port} after {timeout}s") from None
            await asyncio.sleep(0.2)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return


async def wait_until_ready(base_url: str, process: asyncio.subprocess.Process) -> None:
    import httpx

    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"connectivity exited with {process.returncode} while starting")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{base_url}/readyz")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{base_url} not ready after {SERVER_START_TIMEOUT_S}s")
            await asyncio.sleep(0.5)


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


def _open_log(path: Path) -> BinaryIO:
    return path.open("wb")


@dataclass
class Server:
    name: str
    pid: int
    ocpp_url: str
    log: Path | None = None

    def error_lines(self) -> int:
        """Error-level lines the server logged so far (a pool running dry would show here)."""
        if self.log is None or not self.log.exists():
            return 0
        return error_line_count(self.log.read_text(errors="replace"))


def error_line_count(log_text: str) -> int:
    return sum(
        1
        for line in log_text.splitlines()
        if '"level": "error"' in line or '"level": "critical"' in line or "Traceback" in line
    )


@contextlib.asynccontextmanager
async def bare_server(log_dir: Path) -> AsyncIterator[Server]:
    port = free_port()
    with _open_log(log_dir / "bare.log") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tools.bench.connectivity", "bare", "--port", str(port),
            cwd=ROOT, stdout=log, stderr=log,
        )  # fmt: skip
        try:
            await wait_for_port(port, process, SERVER_START_TIMEOUT_S)
            yield Server("bare websockets", process.pid, f"ws://127.0.0.1:{port}/ocpp")
        finally:
            await stop_process(process)


async def _fresh_database(name: str) -> str:
    import asyncpg

    admin = os.environ["LADDA_PG_ADMIN_URL"]
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'drop database if exists "{name}" with (force)')
        await conn.execute(f'create database "{name}"')
    finally:
        await conn.close()
    return f"{admin.rsplit('/', 1)[0]}/{name}"


@contextlib.asynccontextmanager
async def connectivity_service(log_dir: Path, seed_file: Path) -> AsyncIterator[Server]:
    http_port, ocpp_port = free_port(), free_port()
    suffix = f"bench-{os.getpid()}-{int(time.time())}"
    env = {
        **os.environ,
        "LADDA_CONNECTIVITY_DATABASE_URL": await _fresh_database("ladda_bench_connectivity"),
        "LADDA_CONNECTIVITY_PORT": str(http_port),
        "LADDA_CONNECTIVITY_OCPP_PORT": str(ocpp_port),
        "LADDA_CONNECTIVITY_SEED_FILE": str(seed_file),
        "LADDA_CONNECTIVITY_CONSUMER_GROUP_SUFFIX": suffix,
        # The throughput figure drives 50 chargers as fast as they are answered; the per-charger
        # flood control (20 calls/s by default) would measure the throttle, not the service.
        "LADDA_CONNECTIVITY_OCPP_RATE_PER_S": "1000000",
        "LADDA_CONNECTIVITY_OCPP_RATE_BURST": "1000000",
        "LADDA_LOG_FORMAT": "json",
    }
    with _open_log(log_dir / "connectivity.log") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", "services.connectivity.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(http_port), "--no-access-log",
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        try:
            await wait_until_ready(f"http://127.0.0.1:{http_port}", process)
            await wait_for_port(ocpp_port, process, SERVER_START_TIMEOUT_S)
            yield Server(
                "connectivity",
                process.pid,
                f"ws://127.0.0.1:{ocpp_port}/ocpp",
                log=log_dir / "connectivity.log",
            )
        finally:
            await stop_process(process)


class Generator:
    """A load-generator process: its JSON events on stdout, a line on stdin to go on."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, *args: str) -> Generator:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tools.bench.connectivity", "load", *args,
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=1 << 20,
        )  # fmt: skip
        return cls(process)

    async def next_event(self, name: str, timeout: float = STEP_TIMEOUT_S) -> dict[str, Any]:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(f"load generator: no {name!r} within {timeout}s")
            line = await asyncio.wait_for(self.process.stdout.readline(), remaining)
            if not line:
                raise RuntimeError(f"load generator exited before {name!r}")
            with contextlib.suppress(ValueError):
                event: dict[str, Any] = json.loads(line)
                if event.get("event") == name:
                    return event

    async def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"go\n")
        await self.process.stdin.drain()

    async def finish(self) -> None:
        try:
            await asyncio.wait_for(self.process.wait(), 120)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def measure_throughput(server: Server) -> dict[str, Any]:
    print(f"[connectivity] throughput against {server.name} ...", flush=True)
    generator = await Generator.start(
        "throughput", "--url", server.ocpp_url, "--count", str(THROUGHPUT_CHARGERS),
        "--duration", str(THROUGHPUT_DURATION_S), "--warmup", str(THROUGHPUT_WARMUP_S),
    )  # fmt: skip
    try:
        await generator.next_event("window")
        cpu_before = cpu_seconds(server.pid)
        result = await generator.next_event("throughput")
        cpu_used = cpu_seconds(server.pid) - cpu_before
    finally:
        await generator.finish()
    # Less sensitive to other load on the machine than calls per wall-clock second.
    result["calls_per_cpu_s"] = result["calls"] / cpu_used if cpu_used > 0 else 0.0
    print(
        f"[connectivity]   {result['calls_per_s']:.0f} calls/s, "
        f"{result['calls_per_cpu_s']:.0f} calls per server CPU-second, "
        f"p99 {result['latency']['p99_ms']:.1f} ms, errors {result['latency']['errors']}, "
        f"lost {result['latency']['lost']}",
        flush=True,
    )
    return result


async def measure_fleet(server: Server) -> dict[str, Any]:
    print(f"[connectivity] {FLEET_SIZE} chargers against {server.name} ...", flush=True)
    await asyncio.sleep(2)  # let the server settle after start-up before the baseline RSS
    rss_before = rss_bytes(server.pid)
    generator = await Generator.start(
        "fleet", "--url", server.ocpp_url, "--count", str(FLEET_SIZE),
        "--window", str(FLEET_WINDOW_S), "--period", str(HEARTBEAT_PERIOD_S),
    )  # fmt: skip
    try:
        connected = await generator.next_event("connected")
        await asyncio.sleep(3)  # idle: what the server holds per connection at rest
        rss_after = rss_bytes(server.pid)
        print(
            f"[connectivity]   {connected['connected']} connected in {connected['seconds']:.0f}s "
            f"({connected['connect_errors']} errors); RSS {rss_before >> 20} -> "
            f"{rss_after >> 20} MiB; heartbeating for {FLEET_WINDOW_S:.0f}s ...",
            flush=True,
        )
        await generator.go()
        heartbeats = await generator.next_event("heartbeats")
        print(
            f"[connectivity]   heartbeat p50 {heartbeats['p50_ms']:.1f} ms, "
            f"p99 {heartbeats['p99_ms']:.1f} ms, {heartbeats['calls_per_s']:.0f} calls/s, "
            f"lost {heartbeats['lost']}; calls over {TARGET_HEARTBEAT_P99_MS:.0f} ms in seconds "
            f"{heartbeats['slow_seconds'][:30]} of the window; reconnect storm ...",
            flush=True,
        )
        await generator.next_event("closed")
        await asyncio.sleep(3)  # the server notices every close before the storm starts
        await generator.go()
        storm = await generator.next_event("storm")
        storm["server_error_lines"] = server.error_lines()
        print(
            f"[connectivity]   storm: Boot p99 {storm['boot']['p99_ms']:.0f} ms, connect errors "
            f"{storm['connect_errors']}, lost {storm['boot']['lost'] + storm['status']['lost']}",
            flush=True,
        )
    finally:
        await generator.finish()
    return {
        "connected": connected,
        "bytes_per_connection": bytes_per_connection(
            rss_before, rss_after, max(1, connected["connected"])
        ),
        "heartbeats": heartbeats,
        "storm": storm,
    }


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "MISSED"


def figures(
    bare_tp: dict[str, Any],
    service_tp: dict[str, Any],
    bare_fleet: dict[str, Any],
    service_fleet: dict[str, Any],
) -> list[Figure]:
    tp_errors = service_tp["latency"]["errors"] + service_tp["latency"]["lost"]
    hb, bare_hb = service_fleet["heartbeats"], bare_fleet["heartbeats"]
    storm, bare_storm = service_fleet["storm"], bare_fleet["storm"]
    lost = storm["boot"]["lost"] + storm["status"]["lost"]
    failed = storm["boot"]["errors"] + storm["status"]["errors"]
    bare_per_conn = bare_fleet["bytes_per_connection"]
    return [
        Figure(
            name="OCPP Heartbeat+MeterValues throughput",
            value=service_tp["calls_per_s"],
            baseline=bare_tp["calls_per_s"],
            unit="calls/s",
            baseline_name="bare websockets server answering the same frames, same generator",
            target=TARGET_THROUGHPUT_RATIO,
            note=(
                f"{THROUGHPUT_CHARGERS} chargers, one call outstanding each, median of "
                f"{THROUGHPUT_ROUNDS} interleaved {THROUGHPUT_DURATION_S:.0f}s rounds (service "
                f"{service_tp.get('rounds')}, bare {bare_tp.get('rounds')}); service p99 {service_tp['latency']['p99_ms']:.1f} ms,"
                f" {tp_errors} errors/lost; per-charger flood control lifted for this figure"
            ),
        ),
        Figure(
            name="OCPP calls per server CPU-second",
            value=service_tp["calls_per_cpu_s"],
            baseline=bare_tp["calls_per_cpu_s"],
            unit="calls/CPU-s",
            baseline_name="bare websockets server, same rounds",
            note=(
                "the throughput rounds counted against the server process's own CPU time: robust "
                "to other load and to a generator that cannot saturate the bare server; "
                "PostgreSQL's and Kafka's CPU are not in it"
            ),
        ),
        Figure(
            name=f"heartbeat p50, {service_fleet['connected']['connected']} chargers",
            value=hb["p50_ms"],
            baseline=bare_hb["p50_ms"],
            unit="ms",
            baseline_name="bare websockets server, same fleet",
            higher_is_better=False,
            note=f"{hb['calls_per_s']:.0f} calls/s over {FLEET_WINDOW_S:.0f}s, lost {hb['lost']}",
        ),
        Figure(
            name=f"heartbeat p99, {service_fleet['connected']['connected']} chargers",
            value=hb["p99_ms"],
            baseline=bare_hb["p99_ms"],
            unit="ms",
            baseline_name="bare websockets server, same fleet",
            higher_is_better=False,
            note=(
                f"absolute target p99 < {TARGET_HEARTBEAT_P99_MS:.0f} ms: "
                f"{_verdict(hb['p99_ms'], TARGET_HEARTBEAT_P99_MS)}; max {hb['max_ms']:.0f} ms"
            ),
        ),
        Figure(
            name="server memory per connected charger",
            value=service_fleet["bytes_per_connection"] / 1024,
            baseline=bare_per_conn / 1024,
            unit="KiB",
            baseline_name="bare websockets server, idle connection, no compression",
            # The absolute target (50 KB) expressed as a ratio to this run's baseline.
            target=TARGET_BYTES_PER_CONNECTION / bare_per_conn if bare_per_conn else None,
            higher_is_better=False,
            note=(
                "RSS growth over the fleet / chargers; absolute target <= 50 KB: "
                f"{_verdict(service_fleet['bytes_per_connection'], TARGET_BYTES_PER_CONNECTION)}"
            ),
        ),
        Figure(
            name=f"reconnect storm BootNotification p99, {FLEET_SIZE} at once",
            value=storm["boot"]["p99_ms"],
            baseline=bare_storm["boot"]["p99_ms"],
            unit="ms",
            baseline_name="bare websockets server, same storm",
            higher_is_better=False,
            note=(
                f"absolute target < {TARGET_BOOT_P99_MS:.0f} ms: "
                f"{_verdict(storm['boot']['p99_ms'], TARGET_BOOT_P99_MS)}; connect errors "
                f"{storm['connect_errors']} {storm['connect_error_kinds']} (bare "
                f"{bare_storm['connect_errors']} {bare_storm['connect_error_kinds']}); lost {lost}; "
                f"CALLERRORs {failed}; server error log lines so far {storm.get('server_error_lines', 0)}; "
                "connect-to-Boot p99 "
                f"{storm['connect_to_boot']['p99_ms']:.0f} ms "
                f"(bare {bare_storm['connect_to_boot']['p99_ms']:.0f} ms); "
                f"storm over in {storm['seconds']:.1f}s"
            ),
        ),
    ]


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the median rate (rounds are whole measurements, not mixed)."""
    ordered = sorted(rounds, key=lambda r: float(r["calls_per_s"]))
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["rounds"] = [round(float(r["calls_per_s"])) for r in rounds]
    return chosen


async def run() -> list[Figure]:
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="ladda-bench-connectivity-") as tmp:
        work = Path(tmp)
        seed_file = work / "chargers.json"
        write_seed_file(seed_file, max(FLEET_SIZE, THROUGHPUT_CHARGERS))
        print(f"[connectivity] logs in {work} while it runs", flush=True)
        async with bare_server(work) as bare, connectivity_service(work, seed_file) as service:
            bare_rounds: list[dict[str, Any]] = []
            service_rounds: list[dict[str, Any]] = []
            for _ in range(THROUGHPUT_ROUNDS):
                bare_rounds.append(await measure_throughput(bare))
                service_rounds.append(await measure_throughput(service))
            bare_fleet = await measure_fleet(bare)
            service_fleet = await measure_fleet(service)
    return figures(
        median_round(bare_rounds), median_round(service_rounds), bare_fleet, service_fleet
    )


# -- entry point of the server and generator processes ------------------------------------------


def _event_loop_runner() -> Callable[[Any], None]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run
    # uvicorn runs the service on uvloop; the bare server and the generator use it too.
    return uvloop.run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.connectivity")
    roles = parser.add_subparsers(dest="role", required=True)
    bare = roles.add_parser("bare", help="run the bare websockets baseline server")
    bare.add_argument("--port", type=int, required=True)
    load = roles.add_parser("load", help="run the load generator")
    load.add_argument("scenario", choices=["throughput", "fleet"])
    load.add_argument("--url", required=True)
    load.add_argument("--count", type=int, required=True)
    load.add_argument("--duration", type=float, default=THROUGHPUT_DURATION_S)
    load.add_argument("--warmup", type=float, default=THROUGHPUT_WARMUP_S)
    load.add_argument("--window", type=float, default=FLEET_WINDOW_S)
    load.add_argument("--period", type=float, default=HEARTBEAT_PERIOD_S)
    args = parser.parse_args(argv)
    raise_fd_limit()
    runner = _event_loop_runner()
    if args.role == "bare":
        runner(serve_bare(args.port))
    elif args.scenario == "throughput":
        runner(scenario_throughput(args.url, args.count, args.duration, args.warmup))
    else:
        runner(scenario_fleet(args.url, args.count, args.window, args.period))


if __name__ == "__main__":
    main()
