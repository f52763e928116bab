"""Run a scenario: the fleet, the cars arriving along the day's curve, and the events.

    async with Simulation(load_scenario("quiet-day"), "ws://127.0.0.1:9000/ocpp") as sim:
        await sim.finished()          # or: await sim.wait_for_sessions(200)
    print(sim.summary())

See tools/simulator/README.md for the API and the scenario format.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from typing import Any

import structlog

from tools.simulator.fleet import Backoff, run_charger
from tools.simulator.scenario import Event, Scenario
from tools.simulator.station import SimOptions, Station
from tools.simulator.stats import FleetStats, summary

log = structlog.get_logger("simulator")

DAY_S = 86_400.0
# How often (wall seconds) arrivals are drawn; each draw covers the simulated time since.
TICK_S = 0.2
# Meter samples never come faster than this on the wall clock, whatever the compression.
MIN_METER_INTERVAL_S = 0.2


def _poisson(rng: random.Random, mean: float) -> int:
    """Cars in one tick (Knuth; `mean` is small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class Simulation:
    """A scenario running against a CSMS. Counters in `stats`, chargers in `stations`."""

    def __init__(
        self,
        scenario: Scenario,
        url: str,
        *,
        backoff: Backoff | None = None,
        stats: FleetStats | None = None,
    ) -> None:
        self.scenario = scenario
        self.url = url
        self.backoff = backoff or Backoff()
        self.stats = stats or FleetStats()
        self.rng = random.Random(scenario.seed)  # noqa: S311 - simulation, not cryptography
        self.options = SimOptions(
            session_every_s=0,
            time_factor=scenario.time_factor,
            meter_interval_s=max(
                MIN_METER_INTERVAL_S, scenario.meter_interval_s / scenario.time_factor
            ),
        )
        self.stations = [
            Station(
                spec=spec,
                options=self.options,
                rng=random.Random(f"{scenario.seed}:{spec.id}"),  # noqa: S311 - simulation
                stats=self.stats,
                profile=scenario.profile,
            )
            for spec in scenario.chargers
        ]
        self.stop_event = asyncio.Event()
        self.arrivals_over = asyncio.Event()
        self._started_at = 0.0
        self._tasks: list[asyncio.Task[Any]] = []
        # Cars arriving (authorising) right now: their tags and connectors are taken.
        self._arriving: set[tuple[str, str, int]] = set()
        self._chargers: list[asyncio.Task[Station]] = []

    # -- the simulated clock ------------------------------------------------------------------

    @property
    def elapsed_s(self) -> float:
        """Simulated seconds since the start."""
        if not self._started_at:
            return 0.0
        return (asyncio.get_running_loop().time() - self._started_at) * self.scenario.time_factor

    @property
    def clock_s(self) -> float:
        """Simulated time of day (seconds after midnight) and days, as one number."""
        return self.scenario.start_s + self.elapsed_s

    def clock_text(self) -> str:
        clock = self.clock_s
        day, rest = divmod(clock, DAY_S)
        return f"day {int(day) + 1} {int(rest // 3600):02d}:{int(rest % 3600 // 60):02d}"

    async def _until(self, clock_s: float) -> None:
        wall = (clock_s - self.clock_s) / self.scenario.time_factor
        if wall > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), wall)

    # -- life -----------------------------------------------------------------------------------

    async def __aenter__(self) -> Simulation:
        self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def start(self) -> None:
        self._started_at = asyncio.get_running_loop().time()
        self._chargers = [
            asyncio.create_task(
                run_charger(
                    station.spec,
                    self.url,
                    self.options,
                    self.stop_event,
                    backoff=self.backoff,
                    rng=station.rng,
                    station=station,
                )
            )
            for station in self.stations
        ]
        self._tasks = [
            asyncio.create_task(self._arrivals()),
            asyncio.create_task(self._events()),
        ]
        log.info(
            "simulator.scenario.start",
            scenario=self.scenario.name,
            chargers=len(self.stations),
            time_factor=self.scenario.time_factor,
        )

    async def stop(self, drain_s: float = 30.0) -> dict[str, Any]:
        """Drivers come back for their cars, the queues are delivered (up to `drain_s`), then
        every charger disconnects. Returns the summary."""
        self.arrivals_over.set()
        for station in self.stations:
            station.accepting = False  # a driver still walking up does not plug in any more
            for session in list(station.sessions.values()):
                session.request_stop("Local")
        await self.quiet(drain_s)
        self.stop_event.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*self._chargers, return_exceptions=True)
        return self.summary()

    async def quiet(self, timeout_s: float) -> bool:
        """Wait until no session runs and every queue is delivered."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            if not any(s.sessions or len(s.outbox) for s in self.stations):
                return True
            await asyncio.sleep(0.1)
        return False

    async def finished(self) -> dict[str, Any]:
        """Run to the scenario's end (its duration, or `max_sessions` done), then stop."""
        await self.arrivals_over.wait()
        await self.quiet(timeout_s=math.inf)
        return await self.stop()

    async def wait_for_sessions(self, completed: int, timeout_s: float = 600.0) -> None:
        """Until `completed` sessions have their stop delivered (TimeoutError otherwise)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.stats.sessions_completed < completed:
            if loop.time() > deadline:
                raise TimeoutError(
                    f"{self.stats.sessions_completed} of {completed} sessions in {timeout_s:.0f}s"
                )
            await asyncio.sleep(0.2)

    def summary(self) -> dict[str, Any]:
        result = summary(self.stats, self.stations, self.scenario.name)
        result["simulated"] = {
            "clock": self.clock_text(),
            "elapsed_h": round(self.elapsed_s / 3600, 2),
        }
        return result

    # -- cars -----------------------------------------------------------------------------------

    async def _arrivals(self) -> None:
        scenario = self.scenario
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not self.stop_event.is_set():
            await asyncio.sleep(TICK_S)
            now = loop.time()
            simulated = (now - last) * scenario.time_factor
            last = now
            if scenario.duration_s and self.elapsed_s >= scenario.duration_s:
                if not scenario.repeat:
                    break
                self._started_at = now  # the day starts over
            for _ in range(_poisson(self.rng, scenario.arrivals.rate(self.clock_s) * simulated)):
                if self._enough():
                    break
                self._arrive()
            if self._enough() and not self._arriving:
                break
        self.arrivals_over.set()

    def _enough(self) -> bool:
        limit = self.scenario.max_sessions
        return bool(limit) and self.stats.sessions_started + len(self._arriving) >= limit

    def _arrive(self) -> None:
        scenario = self.scenario
        driver = self.rng.choices(scenario.drivers, [d.weight for d in scenario.drivers])[0]
        # A card is in one place at a time: a driver already charging does not come again.
        busy = {session.id_tag for s in self.stations for session in s.sessions.values()}
        busy |= {tag for tag, _, _ in self._arriving}
        tags = [tag for tag in driver.tags if tag not in busy]
        if not tags:
            return
        tag = self.rng.choice(tags)
        taken = {(charger, connector) for _, charger, connector in self._arriving}
        free = [
            (s, c)
            for s in self.stations
            for c in s.connectors
            if (s.spec.id, c) not in taken and s.free_connector(c, id_tag=tag) is not None
        ]
        if not free:
            return
        station, connector = self.rng.choice(free)
        limit_s = self.rng.uniform(*scenario.session_s)
        key = (tag, station.spec.id, connector)
        self._arriving.add(key)

        async def arrive() -> None:
            try:
                await station.plug_in(connector, tag, authorize=True, limit_s=limit_s)
            finally:
                self._arriving.discard(key)

        station.spawn(arrive())

    # -- events ---------------------------------------------------------------------------------

    async def _events(self) -> None:
        scenario = self.scenario
        if not scenario.events:
            return
        day = 0.0
        while not self.stop_event.is_set():
            for event in scenario.events:
                at = day + event.at_s
                if at < self.clock_s - 1:
                    continue
                await self._until(at)
                if self.stop_event.is_set():
                    return
                self._apply(event)
            if not scenario.repeat:
                return
            day += DAY_S

    def _apply(self, event: Event) -> None:
        targets = [s for s in self.stations if event.selects(s.spec)]
        label = f"{self.clock_text()} {event.kind} {', '.join(s.spec.id for s in targets)}"
        self.stats.events_applied.append(label)
        log.info("simulator.scenario.event", kind=event.kind, chargers=len(targets))
        for station in targets:
            station.spawn(self._happen(station, event))

    async def _happen(self, station: Station, event: Event) -> None:
        lasts = event.lasts_s / self.scenario.time_factor
        if event.kind == "network_drop":
            station.network_up.clear()
            await station.drop_connection()
            if lasts:
                await asyncio.sleep(lasts)
                station.network_up.set()
            return
        if event.kind == "reconnect_storm":
            station.reconnect_now.set()
            await station.drop_connection()
            return
        if event.kind == "tamper":
            link = station.link
            if link is not None:
                with contextlib.suppress(Exception):
                    await link.send_security_event(
                        "TamperDetectionActivated", "enclosure opened (simulated)"
                    )
            await station.fault(None, "OtherError", "Other")
        elif event.kind == "emergency_stop":
            await station.fault(None, "OtherError", "EmergencyStop")
        else:
            await station.fault(event.connector, event.error_code, "Other")
        if lasts:
            await asyncio.sleep(lasts)
            await station.clear_fault(None if event.kind != "fault" else event.connector)
