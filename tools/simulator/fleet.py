"""Connect chargers to the CSMS and keep them connected: one task per charger, with backoff."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import structlog
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

from tools.simulator.charger import SimulatedCharger
from tools.simulator.seed import ChargerSpec
from tools.simulator.station import SimOptions, Station
from tools.simulator.stats import FleetStats
from tools.simulator.v16 import Charger16
from tools.simulator.v201 import Charger201

log = structlog.get_logger("simulator")


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: doubling from `initial_s` to `max_s`, with jitter against herds."""

    initial_s: float = 1.0
    max_s: float = 60.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        base: float = min(self.max_s, self.initial_s * 2 ** min(attempt, 30))
        return base * rng.uniform(0.5, 1.0)


def basic_auth(charger_id: str, password: str) -> str:
    token = base64.b64encode(f"{charger_id}:{password}".encode()).decode()
    return f"Basic {token}"


def charger_url(base_url: str, charger_id: str) -> str:
    return f"{base_url.rstrip('/')}/{charger_id}"


def new_charger(station: Station, connection: ClientConnection) -> SimulatedCharger:
    if station.spec.ocpp_version == "1.6":
        return Charger16(station, connection)
    return Charger201(station, connection)


async def run_charger(
    spec: ChargerSpec,
    base_url: str,
    options: SimOptions,
    stop: asyncio.Event,
    *,
    backoff: Backoff = Backoff(),
    rng: random.Random | None = None,
    station: Station | None = None,
) -> Station:
    """Keep one charger connected until `stop` is set; returns what it remembers."""
    rng = rng or random.Random(spec.id)  # noqa: S311 - simulation, not cryptography
    station = station or Station(spec=spec, options=options, rng=rng)
    logger = log.bind(charge_point_id=spec.id, ocpp_version=spec.ocpp_version)
    attempt = 0
    while not stop.is_set():
        if not station.network_up.is_set():
            # The scenario holds this charger's network down: no connection until it is back.
            await _first(stop.wait(), station.network_up.wait())
            attempt = 0
            continue
        connected = False
        try:
            async with connect(
                charger_url(base_url, spec.id),
                subprotocols=[Subprotocol(spec.subprotocol)],
                additional_headers={"Authorization": basic_auth(spec.id, spec.password)},
                open_timeout=10,
                # Never hang on a peer that does not finish the closing handshake.
                close_timeout=3,
                compression=None,
            ) as connection:
                if connection.subprotocol != spec.subprotocol:
                    logger.warning("simulator.subprotocol.refused", offered=spec.subprotocol)
                    raise InvalidHandshake("the CSMS did not agree to the subprotocol")
                logger.info("simulator.connected")
                connected = True
                station.stats.connects += 1
                charger = new_charger(station, connection)
                station.connection = connection
                # The connection may drop at any point; reading raises ConnectionClosed then.
                await charger.serve(stop)
                attempt = 0
                if stop.is_set():
                    logger.info("simulator.disconnecting")
                    break
        except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as error:
            logger.warning(
                "simulator.connection.lost", error=type(error).__name__, detail=str(error)[:200]
            )
            if connected:
                # It was up: start again from a short delay rather than the longest one.
                attempt = 0
        except Exception as error:
            # Whatever else went wrong, this charger reconnects: the fleet process must not
            # die (honcho would stop the whole local platform with it).
            logger.exception("simulator.charger.failed", error=type(error).__name__)
            station.stats.error(f"{spec.id}: {error!r}"[:200])
        station.connection = None
        # Still powered: the next connection goes on without a BootNotification (a boot tells
        # the CSMS the charger restarted, and it would close the running sessions as orphans).
        station.stats.disconnects += 1
        if stop.is_set():
            break
        delay = backoff.delay(attempt, rng)
        attempt += 1
        logger.info("simulator.reconnect.wait", delay_s=round(delay, 2), attempt=attempt)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_first(stop.wait(), station.reconnect_now.wait()), delay)
        station.reconnect_now.clear()
    await station.close()
    return station


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    """Wait until the first of `waits` is done; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_fleet(
    specs: list[ChargerSpec],
    base_url: str,
    options: SimOptions,
    stop: asyncio.Event,
    *,
    backoff: Backoff = Backoff(),
    seed: int | None = None,
    stats: FleetStats | None = None,
) -> list[Station]:
    """Run every charger until `stop` is set."""
    stats = stats or FleetStats()
    tasks = []
    for spec in specs:
        rng = random.Random(f"{seed}:{spec.id}") if seed is not None else None  # noqa: S311
        fallback = random.Random(spec.id)  # noqa: S311 - simulation
        station = Station(spec=spec, options=options, rng=rng or fallback, stats=stats)
        tasks.append(
            asyncio.create_task(
                run_charger(
                    spec, base_url, options, stop, backoff=backoff, rng=rng, station=station
                )
            )
        )
    return list(await asyncio.gather(*tasks))
