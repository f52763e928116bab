"""The version-independent behaviour of one simulated charger.

`SimulatedCharger` holds the life of a connection (boot, status, heartbeats, sessions now and
then) on top of a handful of primitives that the OCPP 1.6 and 2.0.1 classes implement. The
`Station` it drives survives reconnects, like a real charger's memory: energy registers,
ongoing sessions, reservations and configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import structlog
from ocpp.exceptions import OCPPError

from tools.simulator.model import ChargingSession
from tools.simulator.seed import ChargerSpec

log = structlog.get_logger("simulator")

# Connector states, named as in OCPP 1.6; the 2.0.1 class maps them to its five.
AVAILABLE = "Available"
PREPARING = "Preparing"
CHARGING = "Charging"
FINISHING = "Finishing"
RESERVED = "Reserved"
UNAVAILABLE = "Unavailable"

# Boot retries while the CSMS answers Pending/Rejected: never faster than this.
MIN_BOOT_RETRY_S = 1.0
# A call the CSMS answered with a CALLERROR, or did not answer in time: the charger carries on.
CALL_FAILED = (OCPPError, TimeoutError)


@dataclass(frozen=True)
class SimOptions:
    """How the fleet behaves; one value for every charger."""

    id_tag: str = "LADDA-DEMO-TAG"
    # Mean seconds between two automatic sessions on a charger (0 disables them).
    session_every_s: float = 300.0
    # Longest automatic session; a remote-started one also stops at the car's target SoC.
    session_max_s: float = 600.0
    meter_interval_s: float = 30.0
    # Simulated time runs this many times faster than the wall clock for energy and SoC.
    time_factor: float = 60.0
    response_timeout_s: float = 30.0


@dataclass
class Reservation:
    reservation_id: int
    id_tag: str
    expires_at: datetime


@dataclass
class ActiveSession:
    """A session the charger is running: it survives reconnects until it is stopped."""

    connector: int
    id_tag: str
    physics: ChargingSession
    transaction_id: int | str | None = None
    # 2.0.1 transactions are named by the charger and numbered message by message.
    seq_no: int = 0
    remote_start_id: int | None = None
    # The CSMS acknowledged the start; until then a reconnect sends it again (a replay).
    started: bool = False
    stop_reason: str | None = None
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)

    def request_stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
        self.stop_requested.set()


@dataclass
class Station:
    """What a charger remembers across connections."""

    spec: ChargerSpec
    options: SimOptions
    rng: random.Random
    heartbeat_interval_s: float = 60.0
    booted: bool = False
    status: dict[int, str] = field(default_factory=dict)
    operative: dict[int, bool] = field(default_factory=dict)
    meter_wh: dict[int, int] = field(default_factory=dict)
    sessions: dict[int, ActiveSession] = field(default_factory=dict)
    reservations: dict[int, Reservation] = field(default_factory=dict)
    configuration: dict[str, tuple[str, bool]] = field(default_factory=dict)
    next_transaction: int = 1

    def __post_init__(self) -> None:
        for connector in self.connectors:
            self.status.setdefault(connector, AVAILABLE)
            self.operative.setdefault(connector, True)
            self.meter_wh.setdefault(connector, self.rng.randrange(100_000, 5_000_000))

    @property
    def connectors(self) -> range:
        return range(1, self.spec.connectors + 1)

    @property
    def max_power_w(self) -> float:
        return 50_000.0 if "DC" in self.spec.model else 22_000.0

    def free_connector(self, wanted: int | None = None, id_tag: str | None = None) -> int | None:
        """A connector a session can start on: operative, idle, unreserved or reserved for `id_tag`."""
        candidates = [wanted] if wanted else list(self.connectors)
        for connector in candidates:
            if connector not in self.connectors or connector in self.sessions:
                continue
            if not self.operative[connector]:
                continue
            reservation = self.reservations.get(connector)
            if reservation is not None and reservation.id_tag != id_tag:
                continue
            return connector
        return None

    def session_by_transaction(self, transaction_id: object) -> ActiveSession | None:
        for session in self.sessions.values():
            if session.transaction_id is not None and str(session.transaction_id) == str(
                transaction_id
            ):
                return session
        return None


class SimulatedCharger:
    """The behaviour of a charger over one connection; subclasses speak one OCPP version."""

    station: Station
    _tasks: set[asyncio.Task[Any]]

    def _setup(self, station: Station) -> None:
        self.station = station
        self._tasks = set()
        self._log = log.bind(
            charge_point_id=station.spec.id, ocpp_version=station.spec.ocpp_version
        )

    # -- primitives, one implementation per OCPP version -------------------------------------

    async def send_boot(self) -> tuple[str, float]:
        raise NotImplementedError

    async def send_heartbeat(self) -> None:
        raise NotImplementedError

    async def send_status(self, connector: int, status: str) -> None:
        raise NotImplementedError

    async def send_authorize(self, id_tag: str) -> bool:
        raise NotImplementedError

    async def send_start(self, session: ActiveSession, reservation_id: int | None) -> bool:
        """Start the transaction; sets `session.transaction_id`; False if the CSMS refused it."""
        raise NotImplementedError

    async def send_meter(self, session: ActiveSession) -> None:
        raise NotImplementedError

    async def send_stop(self, session: ActiveSession) -> None:
        raise NotImplementedError

    async def close_connection(self) -> None:
        raise NotImplementedError

    # -- life of a connection -----------------------------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run work outside a handler: the library handles one message at a time, so a handler
        that itself calls the CSMS would wait for an answer it can never read."""
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.warning("simulator.task.failed", error=repr(task.exception()))

    def reboot_soon(self, delay_s: float = 1.0) -> None:
        """Drop the connection after the answer is out, as a charger does on Reset."""

        async def reboot() -> None:
            await asyncio.sleep(delay_s)
            for session in list(self.station.sessions.values()):
                session.request_stop("SoftReset")
            # Give the sessions a moment to send their stop before the line goes down.
            for _ in range(50):
                if not self.station.sessions:
                    break
                await asyncio.sleep(0.1)
            self.station.booted = False
            self._log.info("simulator.reset")
            await self.close_connection()

        self.spawn(reboot())

    async def serve(self, stop: asyncio.Event) -> None:
        """Read messages and live until the connection drops (raises) or `stop` is set."""
        # `start` is the library's read loop (the ChargePoint side of the subclass).
        read_task = asyncio.create_task(cast(Any, self).start())
        life_task = asyncio.create_task(self._life())
        stop_task = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait(
                {read_task, life_task, stop_task}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                if task is not stop_task:
                    task.result()
            await self._wind_down()
        finally:
            for task in (read_task, life_task, stop_task, *self._tasks):
                task.cancel()
            await asyncio.gather(
                read_task, life_task, stop_task, *self._tasks, return_exceptions=True
            )

    async def _wind_down(self, timeout_s: float = 5.0) -> None:
        """On shutdown, end running sessions (as a charger being switched off by its owner
        would) so the CSMS is not left with sessions nobody will ever stop."""
        sessions = list(self.station.sessions.values())
        if not sessions:
            return
        for session in sessions:
            session.request_stop("Reboot")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.station.sessions and loop.time() < deadline:
            await asyncio.sleep(0.05)

    async def _life(self) -> None:
        await self._boot()
        for connector in self.station.connectors:
            try:
                await self.send_status(connector, self.station.status[connector])
            except CALL_FAILED as error:
                self._log.warning(
                    "simulator.status.failed", connector=connector, error=repr(error)[:200]
                )
        self.spawn(self._heartbeats())
        # Sessions that outlived the previous connection carry on metering.
        for session in list(self.station.sessions.values()):
            self.spawn(self._run_session(session, reservation_id=None, resumed=True))
        options = self.station.options
        while options.session_every_s > 0:
            await asyncio.sleep(self.station.rng.expovariate(1.0 / options.session_every_s))
            free = self.station.free_connector(id_tag=options.id_tag)
            if free is not None:
                await self.charge(free, options.id_tag, authorize=True)
        await asyncio.Event().wait()

    async def _boot(self) -> None:
        while True:
            try:
                status, interval = await self.send_boot()
            except CALL_FAILED as error:
                self._log.warning("simulator.boot.failed", error=repr(error)[:200])
                await asyncio.sleep(10.0)
                continue
            self._log.info("simulator.boot", status=status, interval_s=interval)
            if status == "Accepted":
                self.station.booted = True
                self.station.heartbeat_interval_s = interval if interval > 0 else 60.0
                return
            await asyncio.sleep(max(MIN_BOOT_RETRY_S, interval or 10.0))

    async def _heartbeats(self) -> None:
        while True:
            # Spread chargers that booted together so they do not heartbeat in lockstep.
            interval = self.station.heartbeat_interval_s
            await asyncio.sleep(interval * self.station.rng.uniform(0.9, 1.0))
            try:
                await self.send_heartbeat()
            except CALL_FAILED as error:
                self._log.warning("simulator.heartbeat.failed", error=repr(error)[:200])
                continue
            self._log.debug("simulator.heartbeat")

    async def set_status(self, connector: int, status: str) -> None:
        if self.station.status.get(connector) == status:
            return
        self.station.status[connector] = status
        try:
            await self.send_status(connector, status)
        except CALL_FAILED as error:
            self._log.warning(
                "simulator.status.failed", connector=connector, error=repr(error)[:200]
            )
            return
        self._log.info("simulator.status", connector=connector, status=status)

    async def expire_reservation(
        self, connector: int, reservation_id: int, expires: datetime
    ) -> None:
        """Free a reserved connector when its reservation runs out (both OCPP versions)."""
        await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()))
        reservation = self.station.reservations.get(connector)
        if reservation is not None and reservation.reservation_id == reservation_id:
            del self.station.reservations[connector]
            await self.set_status(connector, self.idle_status(connector))

    def idle_status(self, connector: int) -> str:
        if not self.station.operative[connector]:
            return UNAVAILABLE
        if connector in self.station.reservations:
            return RESERVED
        return AVAILABLE

    async def charge(
        self,
        connector: int,
        id_tag: str,
        *,
        authorize: bool,
        remote_start_id: int | None = None,
    ) -> None:
        """Plug in, (authorise,) start, meter until full or stopped, stop, unplug."""
        station = self.station
        if authorize:
            try:
                accepted = await self.send_authorize(id_tag)
            except CALL_FAILED as error:
                self._log.warning("simulator.authorize.failed", error=repr(error)[:200])
                return
            if not accepted:
                self._log.info("simulator.authorize.rejected", connector=connector)
                return
        if connector in station.sessions:
            return
        physics = ChargingSession.random(
            station.rng, station.meter_wh[connector], station.max_power_w
        )
        session = ActiveSession(
            connector=connector, id_tag=id_tag, physics=physics, remote_start_id=remote_start_id
        )
        station.sessions[connector] = session
        reservation = station.reservations.pop(connector, None)
        await self.set_status(connector, PREPARING)
        await self._run_session(
            session,
            reservation_id=reservation.reservation_id if reservation else None,
            resumed=False,
        )

    async def _run_session(
        self, session: ActiveSession, *, reservation_id: int | None, resumed: bool
    ) -> None:
        station, options = self.station, self.station.options
        connector = session.connector
        if not session.started:
            # Also after a reconnect if the first attempt got no answer: the CSMS recognises
            # the replay and gives the same transaction.
            try:
                accepted = await self.send_start(session, reservation_id)
            except CALL_FAILED as error:
                self._log.warning("simulator.session.start_failed", error=repr(error)[:200])
                accepted = False
                if session.transaction_id is not None and station.spec.ocpp_version == "2.0.1":
                    # The station named the transaction; without an answer it never began.
                    session.transaction_id = None
            if not accepted:
                session.request_stop("DeAuthorized")
            if session.transaction_id is not None:
                session.started = True
            if accepted:
                self._log.info(
                    "simulator.session.started",
                    connector=connector,
                    transaction_id=session.transaction_id,
                    soc=round(session.physics.soc_percent, 1),
                )
        elif resumed:
            self._log.info("simulator.session.resumed", transaction_id=session.transaction_id)
        if not session.stop_requested.is_set():
            await self.set_status(connector, CHARGING)
        loop = asyncio.get_running_loop()
        while not session.stop_requested.is_set():
            since = loop.time()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(session.stop_requested.wait(), options.meter_interval_s)
            session.physics.advance((loop.time() - since) * options.time_factor)
            station.meter_wh[connector] = session.physics.meter_wh
            if session.stop_requested.is_set():
                break
            try:
                await self.send_meter(session)
            except CALL_FAILED as error:
                self._log.warning("simulator.meter.failed", error=repr(error)[:200])
            if session.physics.full:
                session.request_stop("EVDisconnected")
            elif session.physics.elapsed_s >= options.session_max_s * options.time_factor:
                session.request_stop("Local")
        if session.transaction_id is not None:
            try:
                await self.send_stop(session)
            except CALL_FAILED as error:
                # A real charger would queue it; the simulator logs it and moves on.
                self._log.warning("simulator.session.stop_failed", error=repr(error)[:200])
            self._log.info(
                "simulator.session.stopped",
                connector=connector,
                transaction_id=session.transaction_id,
                reason=session.stop_reason,
                energy_wh=int(session.physics.energy_wh),
            )
        station.sessions.pop(connector, None)
        await self.set_status(connector, FINISHING)
        await self.set_status(connector, self.idle_status(connector))
