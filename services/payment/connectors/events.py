"""The connectors read model's consumer: charger presence and connector status from
connectivity (`chargepoints.status.v1`), bookings from booking (`booking.reservations.v1`)."""

from __future__ import annotations

from collections.abc import Sequence

from services.payment.connectors import service
from services.payment.settings import Settings
from shared.db import Connection
from shared.events.booking import RESERVATION_EVENTS, ReservationEvent
from shared.events.chargepoints import (
    ChargePointConnected,
    ChargePointDisconnected,
    ConnectorStatusChanged,
)
from shared.events.envelope import Envelope
from shared.inbox import EventConsumer, Handler
from shared.service import ServiceRuntime


def _on_reservation(event_type: type[ReservationEvent]) -> Handler:
    async def handle(conn: Connection, envelope: Envelope) -> None:
        await service.on_reservation(conn, envelope.payload(event_type))

    return handle


async def _on_connected(conn: Connection, envelope: Envelope) -> None:
    await service.on_connected(conn, envelope.payload(ChargePointConnected))


async def _on_disconnected(conn: Connection, envelope: Envelope) -> None:
    await service.on_disconnected(conn, envelope.payload(ChargePointDisconnected))


async def _on_status(conn: Connection, envelope: Envelope) -> None:
    await service.on_status(conn, envelope.payload(ConnectorStatusChanged))


def build_consumers(runtime: ServiceRuntime, settings: Settings) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    handlers: dict[str, Handler] = {
        ChargePointConnected.event_type: _on_connected,
        ChargePointDisconnected.event_type: _on_disconnected,
        ConnectorStatusChanged.event_type: _on_status,
    }
    handlers.update({event.event_type: _on_reservation(event) for event in RESERVATION_EVENTS})
    return [
        EventConsumer(
            name=runtime.consumer_name("connectors"),
            pool=runtime.pool,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topics=[settings.status_topic, settings.reservations_topic],
            handlers=handlers,
        )
    ]
