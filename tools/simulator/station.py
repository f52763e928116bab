"""What one simulated charger is and remembers, whether it is connected or not.

A `Station` outlives its connections, like a real charger's memory: energy registers, running
sessions, reservations, configuration, faults, and the queue of transaction messages not yet
delivered (`outbox.Outbox`). Sessions run here, not on a connection: a car keeps charging
while the network is down, and what it reports waits in the queue. The connection of the
moment (`link`, a `charger.SimulatedCharger`) sends statuses and delivers the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

from tools.simulator.model import ChargingSession, SessionProfile
from tools.simulator.outbox import Kind, Outbox, Reading, TxMessage
from tools.simulator.seed import ChargerSpec
from tools.simulator.stats import FleetStats

if TYPE_CHECKING:
    from tools.simulator.charger import SimulatedCharger

log = structlog.get_logger("simulator")

# Connector states, named as in OCPP 1.6; the 2.0.1 class maps them to its five.
AVAILABLE = "Available"
PREPARING = "Preparing"
CHARGING = "Charging"
FINISHING = "Finishing"
RESERVED = "Reserved"
UNAVAILABLE = "Unavailable"
FAULTED = "Faulted"

# A call the CSMS answered with a CALLERROR, or did not answer in time: the charger carries on.
CALL_FAILED = (OCPPError, TimeoutError)
# The same, or the connection went away meanwhile (the session carries on, offline).
SEND_FAILED = (*CALL_FAILED, ConnectionClosed)


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
    # A transaction message answered with a CALLERROR is tried this often, then dropped
    # (1.6 TransactionMessageAttempts / TransactionMessageRetryInterval).
    tx_attempts: int = 3
    tx_retry_s: float = 1.0


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
    # Simulated seconds after which the driver comes back and ends it.
    limit_s: float
    transaction_id: int | str | None = None
    # 2.0.1 transactions are named by the charger and numbered message by message.
    seq_no: int = 0
    remote_start_id: int | None = None
    # The CSMS answered the start (accepted or not).
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
    stats: FleetStats = field(default_factory=FleetStats)
    profile: SessionProfile = field(default_factory=SessionProfile)
    heartbeat_interval_s: float = 60.0
    # Booted since it was powered on (or reset): a reconnect after a network drop sends no
    # BootNotification (OCPP 1.6 4.2 / 2.0.1 B01: a boot is sent after start-up).
    booted: bool = False
    status: dict[int, str] = field(default_factory=dict)
    operative: dict[int, bool] = field(default_factory=dict)
    # Connector -> OCPP 1.6 error code while it is faulted.
    faults: dict[int, str] = field(default_factory=dict)
    meter_wh: dict[int, int] = field(default_factory=dict)
    sessions: dict[int, ActiveSession] = field(default_factory=dict)
    # Connectors whose session ended while the car is still leaving (Finishing not yet reported):
    # no new session starts there until the connector is idle again.
    finishing: set[int] = field(default_factory=set)
    # Cleared when the simulation or the charger shuts down: no new session starts after the
    # running ones were told to stop (a car that arrived meanwhile does not plug in).
    accepting: bool = True
    reservations: dict[int, Reservation] = field(default_factory=dict)
    configuration: dict[str, tuple[str, bool]] = field(default_factory=dict)
    outbox: Outbox = field(default_factory=Outbox)
    # The connection of the moment, set once it booted; None while offline.
    link: SimulatedCharger | None = None
    # Cleared while the scenario holds the charger's network down.
    network_up: asyncio.Event = field(default_factory=asyncio.Event)
    # Set to skip the reconnect delay once (a reconnect storm).
    reconnect_now: asyncio.Event = field(default_factory=asyncio.Event)
    # The open WebSocket, if any (closed to drop the network).
    connection: Any = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.network_up.set()
        self._log = log.bind(charge_point_id=self.spec.id, ocpp_version=self.spec.ocpp_version)
        for connector in self.connectors:
            self.status.setdefault(connector, AVAILABLE)
            self.operative.setdefault(connector, True)
            self.meter_wh.setdefault(connector, self.rng.randrange(100_000, 5_000_000))

    @property
    def connectors(self) -> range:
        return range(1, self.spec.connectors + 1)

    @property
    def max_power_w(self) -> float:
        if self.profile.max_power_kw is not None:
            return self.profile.max_power_kw * 1000.0
        return 50_000.0 if "DC" in self.spec.model else 22_000.0

    @property
    def online(self) -> bool:
        return self.link is not None

    def free_connector(self, wanted: int | None = None, id_tag: str | None = None) -> int | None:
        """A connector a session can start on: operative, idle, unfaulted, unreserved or
        reserved for `id_tag`."""
        candidates = [wanted] if wanted else list(self.connectors)
        for connector in candidates:
            if connector not in self.connectors or connector in self.sessions:
                continue
            if connector in self.finishing:
                continue
            if not self.operative[connector] or connector in self.faults:
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

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Work that outlives connections (sessions, scenario events)."""
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.warning("simulator.task.failed", error=repr(task.exception()))
            self.stats.error(f"{self.spec.id}: {task.exception()!r}"[:200])

    async def drop_connection(self) -> None:
        """The network fails under the charger: the socket goes away without a goodbye."""
        connection = self.connection
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.transport.abort()

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    # -- connector status ---------------------------------------------------------------------

    def idle_status(self, connector: int) -> str:
        if connector in self.faults:
            return FAULTED
        if not self.operative[connector]:
            return UNAVAILABLE
        if connector in self.reservations:
            return RESERVED
        return AVAILABLE

    async def set_status(self, connector: int, status: str) -> None:
        """Remember the status; tell the CSMS if connected (a reconnect reports them all)."""
        if self.status.get(connector) == status:
            return
        self.status[connector] = status
        if self.link is None:
            return
        # In the order things happened: a status never overtakes a transaction message still
        # queued (an Available before the StopTransaction would close the session as orphaned).
        await self.outbox.drained(self.options.response_timeout_s)
        link = self.link
        if link is None or self.status.get(connector) != status:
            return
        try:
            await link.send_status(connector, status)
        except SEND_FAILED as error:
            self._log.warning(
                "simulator.status.failed", connector=connector, error=repr(error)[:200]
            )
            self.stats.error(f"{self.spec.id}: StatusNotification {error!r}"[:200])
            return
        self._log.info("simulator.status", connector=connector, status=status)

    async def expire_reservation(
        self, connector: int, reservation_id: int, expires: datetime
    ) -> None:
        """Free a reserved connector when its reservation runs out (both OCPP versions)."""
        await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()))
        reservation = self.reservations.get(connector)
        if reservation is not None and reservation.reservation_id == reservation_id:
            del self.reservations[connector]
            await self.set_status(connector, self.idle_status(connector))

    # -- faults, emergency stop, tamper (scenario events) ------------------------------------

    async def fault(self, connector: int | None, error_code: str, stop_reason: str) -> None:
        """A fault on one connector (or all): a running session ends, the connector is Faulted
        until `clear_fault`."""
        for target in [connector] if connector else list(self.connectors):
            self.faults[target] = error_code
            session = self.sessions.get(target)
            if session is not None:
                session.request_stop(stop_reason)
            else:
                await self.set_status(target, FAULTED)

    async def clear_fault(self, connector: int | None = None) -> None:
        for target in [connector] if connector else list(self.connectors):
            if self.faults.pop(target, None) is not None and target not in self.sessions:
                await self.set_status(target, self.idle_status(target))

    # -- sessions -----------------------------------------------------------------------------

    def enqueue(
        self, kind: Kind, session: ActiveSession, reservation_id: int | None = None
    ) -> None:
        message = TxMessage(
            kind=kind,
            session=session,
            reading=Reading.of(session),
            seq_no=session.seq_no,
            reservation_id=reservation_id,
            offline=self.link is None,
        )
        session.seq_no += 1
        if message.offline:
            self.stats.tx_queued_offline += 1
        self.outbox.put(message)

    async def authorize(self, id_tag: str) -> bool | None:
        """Online: ask the CSMS (None: it could not answer, the driver taps again later).
        Offline: accept (1.6 LocalAuthorizeOffline / 2.0.1 OfflineTxForUnknownIdEnabled); the
        CSMS judges the start when it is delivered."""
        link = self.link
        if link is None:
            return True
        try:
            return await link.send_authorize(id_tag)
        except SEND_FAILED as error:
            self._log.warning("simulator.authorize.failed", error=repr(error)[:200])
            self.stats.error(f"{self.spec.id}: Authorize {error!r}"[:200])
            return None

    async def plug_in(
        self,
        connector: int,
        id_tag: str,
        *,
        authorize: bool,
        remote_start_id: int | None = None,
        limit_s: float | None = None,
    ) -> bool:
        """A car arrives: (authorise,) start the transaction, and charge in the background
        until full, time up, or stopped. False if it did not start."""
        answer = await self.authorize(id_tag) if authorize else True
        if not answer:
            if answer is False:  # refused; None: the CSMS could not answer (logged above)
                self._log.info("simulator.authorize.rejected", connector=connector)
            return False
        if connector in self.sessions or connector in self.finishing or not self.accepting:
            return False
        physics = ChargingSession.from_profile(
            self.profile, self.rng, self.meter_wh[connector], self.max_power_w
        )
        if limit_s is None:
            limit_s = self.options.session_max_s * self.options.time_factor
        session = ActiveSession(
            connector=connector,
            id_tag=id_tag,
            physics=physics,
            limit_s=limit_s,
            remote_start_id=remote_start_id,
        )
        if self.spec.ocpp_version == "2.0.1":
            # 2.0.1: the station names the transaction (so it can start one offline).
            session.transaction_id = uuid.uuid4().hex[:20]
        self.sessions[connector] = session
        reservation = self.reservations.pop(connector, None)
        await self.set_status(connector, PREPARING)
        self.stats.sessions_started += 1
        self.enqueue("start", session, reservation.reservation_id if reservation else None)
        self.spawn(self._charge(session))
        return True

    async def _charge(self, session: ActiveSession) -> None:
        options = self.options
        connector = session.connector
        await self.set_status(connector, CHARGING)
        loop = asyncio.get_running_loop()
        while not session.stop_requested.is_set():
            since = loop.time()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(session.stop_requested.wait(), options.meter_interval_s)
            session.physics.advance((loop.time() - since) * options.time_factor)
            self.meter_wh[connector] = session.physics.meter_wh
            if session.stop_requested.is_set():
                break
            self.enqueue("meter", session)
            if session.physics.full:
                session.request_stop("EVDisconnected")
            elif session.physics.elapsed_s >= session.limit_s:
                session.request_stop("Local")
        self.enqueue("stop", session)
        self._log.info(
            "simulator.session.ended",
            connector=connector,
            reason=session.stop_reason,
            energy_wh=int(session.physics.energy_wh),
            online=self.online,
        )
        self.sessions.pop(connector, None)
        # Finishing, then idle, before another car may start here: a start in between would
        # have its Preparing overwritten by this session's Available (seen under load).
        self.finishing.add(connector)
        try:
            await self.set_status(connector, FINISHING)
            await self.set_status(connector, self.idle_status(connector))
        finally:
            self.finishing.discard(connector)

    async def end_sessions(self, reason: str, timeout_s: float) -> None:
        """Stop every running session and wait (a while) until the CSMS has their stops."""
        for session in list(self.sessions.values()):
            session.request_stop(reason)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while (self.sessions or len(self.outbox)) and loop.time() < deadline:
            await asyncio.sleep(0.05)

    # -- delivery of the transaction queue (called by the connection) -------------------------

    async def send_tx(self, link: SimulatedCharger, message: TxMessage) -> bool:
        session = message.session
        if message.kind == "start":
            accepted = await link.send_start(message)
            session.started = True
            if accepted:
                self.stats.sessions_accepted += 1
                self._log.info(
                    "simulator.session.started",
                    connector=session.connector,
                    transaction_id=session.transaction_id,
                    soc=round(message.reading.soc_percent, 1),
                )
            else:
                self.stats.sessions_refused += 1
                session.request_stop("DeAuthorized")
            return True
        if session.transaction_id is None or not session.started:
            # Its start never reached the CSMS (dropped after refusals): nothing to attach to.
            return False
        if message.kind == "meter":
            await link.send_meter(message)
            return True
        await link.send_stop(message)
        self.stats.sessions_completed += 1
        self.stats.energy_wh += message.reading.meter_wh - session.physics.meter_start_wh
        self._log.info(
            "simulator.session.stopped",
            connector=session.connector,
            transaction_id=session.transaction_id,
            reason=session.stop_reason,
            energy_wh=message.reading.meter_wh - session.physics.meter_start_wh,
        )
        return True
