"""Consumers: thin adapters from connectivity's events to the alert rules and the read model."""

from __future__ import annotations

from collections.abc import Sequence

from services.operations.alerts.schemas import AlertOut
from services.operations.monitoring import Monitor
from services.operations.settings import Settings
from shared.db import Connection
from shared.events.chargepoints import (
    ChargePointConnected,
    ChargePointDisconnected,
    ChargePointFault,
    ChargePointRegistered,
    ChargePointSecurityEvent,
    ConnectorStatusChanged,
)
from shared.events.envelope import Envelope
from shared.events.topics import CHARGEPOINTS_REGISTRY, CHARGEPOINTS_STATUS
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime


class Handlers:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.monitor = Monitor(settings)

    async def _opened(self, conn: Connection, raised: tuple[AlertOut, bool] | None) -> None:
        """Hook for what an alert opening causes beyond its event (work orders)."""

    async def on_registry(self, conn: Connection, envelope: Envelope) -> None:
        await self.monitor.registry_changed(conn, envelope.payload(ChargePointRegistered))

    async def on_connected(self, conn: Connection, envelope: Envelope) -> None:
        await self.monitor.connected(conn, envelope.payload(ChargePointConnected))

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


# The consumers of the service: purpose (consumer group and inbox name) -> topics.
SUBSCRIPTIONS: dict[str, list[str]] = {
    "registry": [CHARGEPOINTS_REGISTRY.name],
    "charger-status": [CHARGEPOINTS_STATUS.name],
}


def build_consumers(runtime: ServiceRuntime) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    settings = runtime.settings
    assert isinstance(settings, Settings)
    handlers = Handlers(settings)
    bootstrap = settings.kafka_bootstrap_servers
    return [
        EventConsumer(
            name=runtime.consumer_name("registry"),
            pool=runtime.pool,
            bootstrap_servers=bootstrap,
            topics=SUBSCRIPTIONS["registry"],
            handlers={ChargePointRegistered.event_type: handlers.on_registry},
        ),
        EventConsumer(
            name=runtime.consumer_name("charger-status"),
            pool=runtime.pool,
            bootstrap_servers=bootstrap,
            topics=SUBSCRIPTIONS["charger-status"],
            handlers={
                ChargePointConnected.event_type: handlers.on_connected,
                ChargePointDisconnected.event_type: handlers.on_disconnected,
                ConnectorStatusChanged.event_type: handlers.on_status,
                ChargePointSecurityEvent.event_type: handlers.on_security_event,
                ChargePointFault.event_type: handlers.on_fault,
            },
        ),
    ]
