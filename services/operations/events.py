"""Consumers: thin adapters from connectivity's events to the alert rules and the read model."""

from __future__ import annotations

from collections.abc import Sequence

from services.operations.alerts.schemas import AlertOut
from services.operations.monitoring import Monitor
from services.operations.settings import Settings
from services.operations.workorders import service as work_orders
from shared.db import Connection
from shared.events.chargepoints import (
    ChargePointConnected,
    ChargePointDisconnected,
    ChargePointFault,
    ChargePointRegistered,
    ChargePointSecurityEvent,
    ConnectorStatusChanged,
)
from shared.events.commands import CommandCompleted
from shared.events.envelope import Envelope
from shared.events.identity import (
    UserDeleted,
    UserDisabled,
    UserEnabled,
    UserRegistered,
    UserRolesChanged,
)
from shared.events.support import StationSafetyReported
from shared.events.topics import (
    CHARGEPOINTS_REGISTRY,
    CHARGEPOINTS_STATUS,
    CONNECTIVITY_COMMAND_RESULTS,
    IDENTITY_USERS,
    SUPPORT_TICKETS,
)
from shared.inbox import EventConsumer, Handler
from shared.service import ServiceRuntime


class Handlers:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.monitor = Monitor(settings)

    async def _opened(self, conn: Connection, raised: tuple[AlertOut, bool] | None) -> None:
        """An alert of a configured kind that just opened opens its work order."""
        if raised is not None and raised[1]:
            await work_orders.create_from_alert(conn, raised[0], self.settings)

    async def on_registry(self, conn: Connection, envelope: Envelope) -> None:
        await self.monitor.registry_changed(conn, envelope.payload(ChargePointRegistered))

    async def on_connected(self, conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(ChargePointConnected)
        await self.monitor.connected(conn, event)
        await work_orders.charger_reconnected(conn, event.charge_point_id, self.settings)

    async def on_disconnected(self, conn: Connection, envelope: Envelope) -> None:
        await self.monitor.disconnected(conn, envelope.payload(ChargePointDisconnected))

    async def on_status(self, conn: Connection, envelope: Envelope) -> None:
        raised = await self.monitor.status_changed(conn, envelope.payload(ConnectorStatusChanged))
        await self._opened(conn, raised)

    async def on_security_event(self, conn: Connection, envelope: Envelope) -> None:
        raised = await self.monitor.security_event(conn, envelope.payload(ChargePointSecurityEvent))
        await self._opened(conn, raised)

    async def on_fault(self, conn: Connection, envelope: Envelope) -> None:
        raised = await self.monitor.fault(conn, envelope.payload(ChargePointFault))
        await self._opened(conn, raised)

    async def on_safety_reported(self, conn: Connection, envelope: Envelope) -> None:
        raised = await self.monitor.safety_reported(conn, envelope.payload(StationSafetyReported))
        await self._opened(conn, raised)

    async def on_command_completed(self, conn: Connection, envelope: Envelope) -> None:
        await work_orders.command_completed(conn, envelope.payload(CommandCompleted))

    async def on_user_registered(self, conn: Connection, envelope: Envelope) -> None:
        user = envelope.payload(UserRegistered)
        await work_orders.technician_roles(conn, user.user_id, user.roles)

    async def on_user_roles_changed(self, conn: Connection, envelope: Envelope) -> None:
        user = envelope.payload(UserRolesChanged)
        await work_orders.technician_roles(conn, user.user_id, user.roles)

    async def on_user_disabled(self, conn: Connection, envelope: Envelope) -> None:
        user = envelope.payload(UserDisabled)
        await work_orders.technician_disabled(conn, user.user_id, True)

    async def on_user_enabled(self, conn: Connection, envelope: Envelope) -> None:
        user = envelope.payload(UserEnabled)
        await work_orders.technician_disabled(conn, user.user_id, False)

    async def on_user_deleted(self, conn: Connection, envelope: Envelope) -> None:
        user = envelope.payload(UserDeleted)
        await work_orders.technician_roles(conn, user.user_id, None)

    def by_purpose(self) -> dict[str, dict[str, Handler]]:
        """Per consumer (its purpose, as in SUBSCRIPTIONS): event type -> handler."""
        return {
            "registry": {ChargePointRegistered.event_type: self.on_registry},
            "charger-status": {
                ChargePointConnected.event_type: self.on_connected,
                ChargePointDisconnected.event_type: self.on_disconnected,
                ConnectorStatusChanged.event_type: self.on_status,
                ChargePointSecurityEvent.event_type: self.on_security_event,
                ChargePointFault.event_type: self.on_fault,
            },
            "command-results": {CommandCompleted.event_type: self.on_command_completed},
            "users": {
                UserRegistered.event_type: self.on_user_registered,
                UserRolesChanged.event_type: self.on_user_roles_changed,
                UserDisabled.event_type: self.on_user_disabled,
                UserEnabled.event_type: self.on_user_enabled,
                UserDeleted.event_type: self.on_user_deleted,
            },
            "safety-reports": {StationSafetyReported.event_type: self.on_safety_reported},
        }


# The consumers of the service: purpose (consumer group and inbox name) -> topics.
SUBSCRIPTIONS: dict[str, list[str]] = {
    "registry": [CHARGEPOINTS_REGISTRY.name],
    "charger-status": [CHARGEPOINTS_STATUS.name],
    "command-results": [CONNECTIVITY_COMMAND_RESULTS.name],
    "users": [IDENTITY_USERS.name],
    "safety-reports": [SUPPORT_TICKETS.name],
}


def build_consumers(runtime: ServiceRuntime) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    settings = runtime.settings
    assert isinstance(settings, Settings)
    handlers = Handlers(settings).by_purpose()
    return [
        EventConsumer(
            name=runtime.consumer_name(purpose),
            pool=runtime.pool,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=topics,
            handlers=handlers[purpose],
        )
        for purpose, topics in SUBSCRIPTIONS.items()
    ]
