"""Consumers: id-token decisions into the local copy; commands for and cut-offs of the chargers
this replica holds."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from ocpp.exceptions import OCPPError, UnknownCallErrorCodeError
from websockets.exceptions import ConnectionClosed

from services.connectivity.bookings import service as booking_holds
from services.connectivity.commands import service as command_service
from services.connectivity.ocpp.hub import Hub
from services.connectivity.sessions import service as session_service
from shared.db import Connection
from shared.events.booking import RESERVATION_EVENTS, ReservationEvent
from shared.events.chargepoints import ChargePointCutOff
from shared.events.commands import CommandRequested
from shared.events.envelope import Envelope
from shared.events.identity import IdTokenDecisionChanged
from shared.events.topics import (
    BOOKING_RESERVATIONS,
    CHARGEPOINTS_REGISTRY,
    CONNECTIVITY_COMMANDS,
    IDENTITY_ID_TOKENS,
)
from shared.inbox import EventConsumer, Handler
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)


async def on_id_token_decision(conn: Connection, envelope: Envelope) -> None:
    await session_service.apply_id_token_decision(conn, envelope.payload(IdTokenDecisionChanged))


def _on_reservation(event_type: type[ReservationEvent]) -> Handler:
    async def handle(conn: Connection, envelope: Envelope) -> None:
        await booking_holds.apply(conn, envelope.payload(event_type))

    return handle


class CommandExecutor:
    """Runs the commands for each charger one after another, in the order they were published.

    The order matters: ChangeAvailability Operative for the whole charger, then Inoperative for
    one connector, leaves that connector out of service; the other way round it would not.
    """

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._last: dict[str, asyncio.Task[Any]] = {}

    async def on_command(self, conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(CommandRequested)
        holds = event.charge_point_id in self.hub.connections
        payload = await command_service.accept_requested(
            conn, event, envelope.time, holds=holds, stale_s=self.hub.settings.replica_stale_s
        )
        if payload is not None:
            # Executed outside the consumer's transaction: a slow charger must not hold up the
            # partition or keep a database connection busy.
            self._queue(event, payload)

    def _queue(self, event: CommandRequested, payload: dict[str, Any]) -> None:
        cp_id = event.charge_point_id
        task = self.hub.spawn(self.execute(event, payload, after=self._last.get(cp_id)))
        self._last[cp_id] = task
        task.add_done_callback(lambda done: self._forget(cp_id, done))

    def _forget(self, cp_id: str, task: asyncio.Task[Any]) -> None:
        if self._last.get(cp_id) is task:
            del self._last[cp_id]

    async def execute(
        self,
        event: CommandRequested,
        payload: dict[str, Any],
        after: asyncio.Task[Any] | None = None,
    ) -> None:
        if after is not None:
            await asyncio.wait([after])
        command_id = UUID(event.command_id)
        await self._until_recorded(command_id)
        conn = self.hub.connections.get(event.charge_point_id)
        status, response = "Offline", None
        error: str | None = "The charge point is offline."
        if conn is not None:
            try:
                answer: Any = await conn.send_call(event.action, payload, event.timeout_s)
                status, response, error = "Answered", answer, None
            except OCPPError as exc:
                status, error = "CallError", f"{exc.code}: {exc.description}"
            except UnknownCallErrorCodeError as exc:
                status, error = "CallError", str(exc)
            except TimeoutError:
                status, error = "Timeout", "The charge point did not answer in time."
            except ConnectionClosed:
                pass
        async with self.hub.transaction() as db:
            await command_service.settle(db, command_id, status, response, error)

    async def _until_recorded(self, command_id: UUID) -> None:
        """A command first seen on Kafka (another service's) is recorded in the consumer's
        transaction, which commits just after this task starts: a quick answer would otherwise
        find no committed row to settle, and the result would be lost."""
        for _ in range(250):
            async with self.hub.transaction() as db:
                if await command_service.recorded(db, command_id):
                    return
            await asyncio.sleep(0.02)


class CutOff:
    """Closes a charger's connection on this replica when it is retired or its password changes.

    Every replica reads the cut-offs in a consumer group of its own. One older than this
    replica's start (with a margin for a handshake that read the old credentials just before
    they changed) concerns no connection here: every connection of this replica was opened
    after it, with the credentials in force.
    """

    MARGIN = timedelta(seconds=60)

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.started_at = datetime.now(UTC)

    async def on_cut_off(self, _: Connection, envelope: Envelope) -> None:
        event = envelope.payload(ChargePointCutOff)
        if envelope.time < self.started_at - self.MARGIN:
            return
        live = self.hub.connections.get(event.charge_point_id)
        if live is None:
            return
        log.info(
            "connectivity.charge_point.cut_off",
            charge_point_id=event.charge_point_id,
            reason=event.reason,
        )
        self.hub.spawn(live.transport.close(1008, event.reason.replace("_", " ")))


def build_consumers(runtime: ServiceRuntime, hub: Hub) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    bootstrap = runtime.settings.kafka_bootstrap_servers
    executor = CommandExecutor(hub)
    cut_off = CutOff(hub)
    return [
        EventConsumer(
            name=runtime.consumer_name("id-tokens"),
            pool=runtime.pool,
            bootstrap_servers=bootstrap,
            topics=[IDENTITY_ID_TOKENS.name],
            handlers={IdTokenDecisionChanged.event_type: on_id_token_decision},
        ),
        EventConsumer(
            # Each replica reads every command: only the one holding the charger can execute it.
            name=runtime.consumer_name(f"commands.{hub.replica_id}"),
            pool=runtime.pool,
            bootstrap_servers=bootstrap,
            topics=[CONNECTIVITY_COMMANDS.name],
            handlers={CommandRequested.event_type: executor.on_command},
            # A new replica holds no charger yet: commands older than their timeout concern it
            # not; it starts near the end instead of reading a day of them.
            new_group_lookback=timedelta(seconds=hub.settings.command_replay_lookback_s),
        ),
        EventConsumer(
            # Each replica reads every cut-off: only the one holding the charger closes it.
            name=runtime.consumer_name(f"cut-off.{hub.replica_id}"),
            pool=runtime.pool,
            bootstrap_servers=bootstrap,
            topics=[CHARGEPOINTS_REGISTRY.name],
            handlers={ChargePointCutOff.event_type: cut_off.on_cut_off},
            new_group_lookback=CutOff.MARGIN,
        ),
        EventConsumer(
            # Booking's reservations, mirrored as holds that Authorize enforces.
            name=runtime.consumer_name("booking-holds"),
            pool=runtime.pool,
            bootstrap_servers=bootstrap,
            topics=[BOOKING_RESERVATIONS.name],
            handlers={event.event_type: _on_reservation(event) for event in RESERVATION_EVENTS},
        ),
    ]
