"""One connection of a simulated charger: boot, statuses, heartbeats, the transaction queue.

`SimulatedCharger` holds the life of a connection on top of a handful of primitives that the
OCPP 1.6 and 2.0.1 classes implement; the `Station` it serves survives reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from datetime import datetime
from typing import Any, cast

import structlog
from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

from tools.simulator.outbox import TxMessage, deliver
from tools.simulator.station import CALL_FAILED, Station

log = structlog.get_logger("simulator")

# Boot retries while the CSMS answers Pending/Rejected: never faster than this.
MIN_BOOT_RETRY_S = 1.0


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

    async def send_start(self, message: TxMessage) -> bool:
        """Start the transaction (1.6: sets `transaction_id`); False if the CSMS refused it."""
        raise NotImplementedError

    async def send_meter(self, message: TxMessage) -> None:
        raise NotImplementedError

    async def send_stop(self, message: TxMessage) -> None:
        raise NotImplementedError

    async def send_security_event(self, kind: str, info: str) -> None:
        raise NotImplementedError

    async def close_connection(self) -> None:
        raise NotImplementedError

    # -- helpers for the command handlers ----------------------------------------------------

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
            self.station.stats.error(f"{self.station.spec.id}: {task.exception()!r}"[:200])

    async def charge(
        self, connector: int, id_tag: str, *, authorize: bool, remote_start_id: int | None = None
    ) -> None:
        await self.station.plug_in(
            connector, id_tag, authorize=authorize, remote_start_id=remote_start_id
        )

    async def set_status(self, connector: int, status: str) -> None:
        await self.station.set_status(connector, status)

    def idle_status(self, connector: int) -> str:
        return self.station.idle_status(connector)

    async def expire_reservation(
        self, connector: int, reservation_id: int, expires: datetime
    ) -> None:
        await self.station.expire_reservation(connector, reservation_id, expires)

    def reboot_soon(self, delay_s: float = 1.0) -> None:
        """Drop the connection after the answer is out, as a charger does on Reset."""

        async def reboot() -> None:
            await asyncio.sleep(delay_s)
            # Sessions end and their stops go out before the line goes down.
            await self.station.end_sessions("SoftReset", timeout_s=5.0)
            self.station.booted = False
            self._log.info("simulator.reset")
            await self.close_connection()

        self.spawn(reboot())

    async def _handle_call(self, msg: Any) -> None:
        """Every command the CSMS sends is counted, then handled by the library."""
        self.station.stats.commands[str(msg.action)] += 1
        await cast(Any, super())._handle_call(msg)

    # -- life of a connection -----------------------------------------------------------------

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
            # On shutdown, running sessions end (as when the owner switches a charger off) and
            # their stops are delivered, so the CSMS is not left with sessions nobody stops.
            # No car arrives meanwhile: a session started during the wait would never be
            # stopped (the chaos run found one).
            self.station.accepting = False
            life_task.cancel()
            await asyncio.gather(life_task, return_exceptions=True)
            await self.station.end_sessions("Reboot", timeout_s=5.0)
        finally:
            if self.station.link is self:
                self.station.link = None
            for task in (read_task, life_task, stop_task, *self._tasks):
                task.cancel()
            await asyncio.gather(
                read_task, life_task, stop_task, *self._tasks, return_exceptions=True
            )

    async def _life(self) -> None:
        station = self.station
        if not station.booted:
            await self._boot()
        station.link = self
        self.spawn(self._heartbeats())
        # What queued while offline goes first, then the connectors' statuses of now.
        self.spawn(self._deliver())
        await station.outbox.drained(station.options.response_timeout_s * 4)
        for connector in station.connectors:
            try:
                await self.send_status(connector, station.status[connector])
            except CALL_FAILED as error:
                self._log.warning(
                    "simulator.status.failed", connector=connector, error=repr(error)[:200]
                )
        options = station.options
        while options.session_every_s > 0:
            await asyncio.sleep(station.rng.expovariate(1.0 / options.session_every_s))
            # One card charges one car at a time: the charger's tag waits for its session to end
            # (a second start would rightly be answered ConcurrentTx).
            charging = any(s.id_tag == options.id_tag for s in station.sessions.values())
            free = station.free_connector(id_tag=options.id_tag)
            if free is not None and not charging:
                await station.plug_in(free, options.id_tag, authorize=True)
        await asyncio.Event().wait()

    async def _deliver(self) -> None:
        station, stats, options = self.station, self.station.stats, self.station.options

        async def send(message: TxMessage) -> bool:
            return await station.send_tx(self, message)

        def sent(message: TxMessage) -> None:
            stats.tx_sent += 1
            if message.offline:
                stats.tx_replayed += 1

        def refused(message: TxMessage, error: OCPPError) -> None:
            stats.tx_refused += 1
            stats.error(f"{station.spec.id}: {message.kind} refused: {error!r}"[:200])

        def timed_out(message: TxMessage) -> None:
            stats.tx_timeouts += 1

        def dropped(message: TxMessage) -> None:
            stats.tx_dropped += 1
            self._log.warning("simulator.transaction_message.dropped", kind=message.kind)

        with contextlib.suppress(ConnectionClosed):
            # The connection went away: what was being sent stays queued for the next one.
            await deliver(
                station.outbox,
                send,
                attempts=options.tx_attempts,
                retry_s=options.tx_retry_s,
                on_refused=refused,
                on_timeout=timed_out,
                on_dropped=dropped,
                on_sent=sent,
            )

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
