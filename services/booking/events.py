"""Consumers: thin adapters from other services' events to booking's read models and lifecycle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.booking.charger import service as charger
from services.booking.lifecycle import service as lifecycle
from services.booking.maintenance import published as maintenance
from services.booking.network import service as network
from services.booking.settings import Settings
from shared.db import Connection
from shared.events.chargepoints import (
    ChargePointConnected,
    ChargePointDisconnected,
    ChargePointRegistered,
    ConnectorStatusChanged,
)
from shared.events.charging import SessionStarted
from shared.events.commands import CommandCompleted
from shared.events.envelope import Envelope
from shared.events.identity import IdTokenDecisionChanged
from shared.events.operations import MaintenanceWindowEnded, MaintenanceWindowScheduled
from shared.events.topics import (
    CHARGEPOINTS_REGISTRY,
    CHARGEPOINTS_STATUS,
    CHARGING_SESSIONS,
    CONNECTIVITY_COMMAND_RESULTS,
    IDENTITY_ID_TOKENS,
    OPERATIONS_ALERTS,
)
from shared.inbox import EventConsumer, Handler
from shared.service import ServiceRuntime


class Handlers:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def registry(self, conn: Connection, envelope: Envelope) -> None:
        await network.apply_registry(conn, envelope.payload(ChargePointRegistered), self.settings)

    async def connector_status(self, conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(ConnectorStatusChanged)
        await network.apply_connector_status(conn, event, self.settings)

    async def connected(self, conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(ChargePointConnected)
        await network.apply_presence(conn, event.charge_point_id, True, event.at)

    async def disconnected(self, conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(ChargePointDisconnected)
        await network.apply_presence(conn, event.charge_point_id, False, event.at)

    async def id_token(self, conn: Connection, envelope: Envelope) -> None:
        # Read leniently: a token kind newer than this contract must not stall the partition;
        # booking needs only the token, its owner and the decision.
        data = envelope.data
        uid, decision = data.get("uid"), data.get("decision")
        if not isinstance(uid, str) or not isinstance(decision, str):
            return
        user_id = data.get("user_id")
        await network.apply_id_token(
            conn,
            uid=uid,
            kind=str(data.get("kind", "")),
            user_id=user_id if isinstance(user_id, str) else None,
            decision=decision,
        )

    async def session_started(self, conn: Connection, envelope: Envelope) -> None:
        await lifecycle.session_started(conn, envelope.payload(SessionStarted), self.settings)

    async def maintenance_scheduled(self, conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(MaintenanceWindowScheduled)
        await maintenance.on_scheduled(conn, event, envelope.time, self.settings)

    async def maintenance_ended(self, conn: Connection, envelope: Envelope) -> None:
        await maintenance.on_ended(conn, envelope.payload(MaintenanceWindowEnded), self.settings)

    async def command_result(self, conn: Connection, envelope: Envelope) -> None:
        # Read leniently: results of other services' commands (and outcomes newer than this
        # contract) must never stall the partition; booking's own are recognised by command id.
        data = envelope.data
        await charger.apply_result(
            conn,
            charger.CommandAnswer(
                command_id=str(data.get("command_id", "")),
                action=str(data.get("action", "")),
                outcome=str(data.get("outcome", "")),
                response=data.get("response") if isinstance(data.get("response"), dict) else None,
                error=data.get("error") if isinstance(data.get("error"), str) else None,
            ),
        )


def build_consumers(runtime: ServiceRuntime, settings: Settings) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    handlers = Handlers(settings)
    bootstrap = settings.kafka_bootstrap_servers

    def consumer(purpose: str, topic: str, table: Mapping[str, Handler]) -> EventConsumer:
        assert runtime.pool is not None
        return EventConsumer(
            name=runtime.consumer_name(purpose),
            pool=runtime.pool,
            bootstrap_servers=bootstrap,
            topics=[topic],
            handlers=table,
        )

    return [
        consumer(
            "registry",
            CHARGEPOINTS_REGISTRY.name,
            {ChargePointRegistered.event_type: handlers.registry},
        ),
        consumer(
            "status",
            CHARGEPOINTS_STATUS.name,
            {
                ConnectorStatusChanged.event_type: handlers.connector_status,
                ChargePointConnected.event_type: handlers.connected,
                ChargePointDisconnected.event_type: handlers.disconnected,
            },
        ),
        consumer(
            "id-tokens",
            IDENTITY_ID_TOKENS.name,
            {IdTokenDecisionChanged.event_type: handlers.id_token},
        ),
        consumer(
            "sessions",
            CHARGING_SESSIONS.name,
            {SessionStarted.event_type: handlers.session_started},
        ),
        consumer(
            "command-results",
            CONNECTIVITY_COMMAND_RESULTS.name,
            {CommandCompleted.event_type: handlers.command_result},
        ),
        consumer(
            # Alerts on the same topic are not booking's business (no handler: skipped).
            "maintenance",
            OPERATIONS_ALERTS.name,
            {
                MaintenanceWindowScheduled.event_type: handlers.maintenance_scheduled,
                MaintenanceWindowEnded.event_type: handlers.maintenance_ended,
            },
        ),
    ]
