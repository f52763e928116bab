"""Consumers: the owners' events into the read model, and the automatic tickets."""

from __future__ import annotations

from collections.abc import Sequence

from services.support import automatic
from services.support.clock import Clock
from services.support.readmodel import repository as readmodel
from services.support.tickets.service import Tickets
from shared.db import Connection
from shared.events.booking import RESERVATION_EVENTS, ReservationEvent
from shared.events.chargepoints import ChargePointRegistered
from shared.events.charging import SessionStarted, SessionStopped
from shared.events.envelope import Envelope
from shared.events.identity import UserDeleted
from shared.events.payment import (
    InvoiceEvent,
    InvoiceIssued,
    InvoicePaid,
    InvoicePaymentFailed,
    InvoiceRefunded,
)
from shared.events.topics import (
    BOOKING_RESERVATIONS,
    CHARGEPOINTS_REGISTRY,
    CHARGING_SESSIONS,
    IDENTITY_USERS,
    PAYMENT_INVOICES,
)
from shared.inbox import EventConsumer, Handler
from shared.service import ServiceRuntime


class Handlers:
    def __init__(self, tickets: Tickets, clock: Clock) -> None:
        self.tickets = tickets
        self.clock = clock

    async def on_session_started(self, conn: Connection, envelope: Envelope) -> None:
        await readmodel.session_started(conn, envelope.payload(SessionStarted))

    async def on_session_stopped(self, conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(SessionStopped)
        await readmodel.session_stopped(conn, event)
        await automatic.session_stopped(conn, self.tickets, event, self.clock.now())

    def on_reservation(self, model: type[ReservationEvent]) -> Handler:
        async def handle(conn: Connection, envelope: Envelope) -> None:
            await readmodel.reservation_changed(conn, envelope.payload(model))

        return handle

    def on_invoice(self, model: type[InvoiceEvent]) -> Handler:
        async def handle(conn: Connection, envelope: Envelope) -> None:
            event = envelope.payload(model)
            failure = event.failure_code if isinstance(event, InvoicePaymentFailed) else None
            await readmodel.invoice_changed(conn, event, failure)
            if isinstance(event, InvoicePaymentFailed):
                await automatic.payment_failed(conn, self.tickets, event, self.clock.now())

        return handle

    async def on_user_deleted(self, conn: Connection, envelope: Envelope) -> None:
        user_id = envelope.payload(UserDeleted).user_id
        await self.tickets.account_deleted(conn, user_id, self.clock.now())
        await readmodel.forget_user(conn, user_id)

    async def on_registry(self, conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(ChargePointRegistered)
        await readmodel.charge_point_changed(conn, event.charge_point_id, event.approval)


# The consumers of the service: purpose (consumer group and inbox name) -> topics.
SUBSCRIPTIONS: dict[str, list[str]] = {
    "sessions": [CHARGING_SESSIONS.name],
    "reservations": [BOOKING_RESERVATIONS.name],
    "invoices": [PAYMENT_INVOICES.name],
    "registry": [CHARGEPOINTS_REGISTRY.name],
    "users": [IDENTITY_USERS.name],
}


def build_consumers(
    runtime: ServiceRuntime, tickets: Tickets, clock: Clock
) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    handlers = Handlers(tickets, clock)
    invoices = (InvoiceIssued, InvoicePaid, InvoicePaymentFailed, InvoiceRefunded)
    by_purpose: dict[str, dict[str, Handler]] = {
        "sessions": {
            SessionStarted.event_type: handlers.on_session_started,
            SessionStopped.event_type: handlers.on_session_stopped,
        },
        "reservations": {m.event_type: handlers.on_reservation(m) for m in RESERVATION_EVENTS},
        "invoices": {m.event_type: handlers.on_invoice(m) for m in invoices},
        "registry": {ChargePointRegistered.event_type: handlers.on_registry},
        "users": {UserDeleted.event_type: handlers.on_user_deleted},
    }
    return [
        EventConsumer(
            name=runtime.consumer_name(purpose),
            pool=runtime.pool,
            bootstrap_servers=runtime.settings.kafka_bootstrap_servers,
            topics=SUBSCRIPTIONS[purpose],
            handlers=handlers_of,
        )
        for purpose, handlers_of in by_purpose.items()
    ]
