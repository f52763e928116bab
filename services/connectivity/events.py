"""Consumers: id-token decisions into the local copy, and commands for chargers this replica holds."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
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
from shared.events.commands import CommandRequested
from shared.events.envelope import Envelope
from shared.events.identity import IdTokenDecisionChanged
from shared.events.topics import BOOKING_RESERVATIONS, CONNECTIVITY_COMMANDS, IDENTITY_ID_TOKENS
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
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def on_command(self, conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(CommandRequested)
        holds = event.charge_point_id in self.hub.connections
        if await command_service.accept_requested(
            conn, event, envelope.time, holds=holds, stale_s=self.hub.settings.replica_stale_s
        ):
            # Executed outside the consumer's transaction: a slow charger must not hold up the
            # partition or keep a database connection busy.
            self.hub.spawn(self.execute(event))

    async def execute(self, event: CommandRequested) -> None:
        command_id = UUID(event.command_id)
        await self._until_recorded(command_id)
        conn = self.hub.connections.get(event.charge_point_id)
        status, response = "Offline", None
        error: str | None = "The charge point is offline."
        if conn is not None:
            try:
                answer: Any = await conn.send_call(event.action, event.payload, event.timeout_s)
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


def build_consumers(runtime: ServiceRuntime, hub: Hub) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    bootstrap = runtime.settings.kafka_bootstrap_servers
    executor = CommandExecutor(hub)
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
