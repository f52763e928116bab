"""Consumers: contacts from identity, and the events that someone should be told about.

Thin adapters: each handler turns an event into decisions (`deliveries.decisions`) inside the
consumer's transaction; the dispatcher sends them later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.notifications.contacts import service as contacts
from services.notifications.deliveries.decisions import tell_driver, tell_operators
from services.notifications.reminders import repository as reminders
from shared.db import Connection
from shared.events.booking import (
    RESERVATION_EVENTS,
    ReservationCancelled,
    ReservationConfirmed,
    ReservationEvent,
)
from shared.events.envelope import Envelope, EventPayload
from shared.events.identity import AccountMailRequested, ContactChanged
from shared.events.operations import (
    AlertOpened,
    AlertResolved,
    InspectionDue,
    InspectionOverdue,
    WorkOrderAssigned,
)
from shared.events.payment import (
    InvoicePaid,
    InvoicePaymentFailed,
    SubscriptionPastDue,
    SubscriptionRenewed,
)
from shared.events.support import TicketReplied
from shared.events.topics import (
    BOOKING_RESERVATIONS,
    IDENTITY_ACCOUNT_MAIL,
    IDENTITY_CONTACTS,
    OPERATIONS_ALERTS,
    PAYMENT_INVOICES,
    SUPPORT_TICKETS,
)
from shared.inbox import EventConsumer, Handler
from shared.service import ServiceRuntime

# A booking cancelled for one of these reasons is the driver's own doing: no mail about it.
_DRIVERS_OWN = frozenset({"driver"})
_WORK_ORDER_SEVERITY = {"urgent": "high", "high": "high", "normal": "medium", "low": "low"}


def _data(event: EventPayload) -> dict[str, Any]:
    return event.model_dump(mode="json")


async def on_contact(conn: Connection, envelope: Envelope) -> None:
    await contacts.contact_changed(conn, envelope.payload(ContactChanged))


async def on_contact_tombstone(conn: Connection, user_id: str) -> None:
    await contacts.account_deleted(conn, user_id)
    await reminders.forget_user(conn, user_id)


async def on_account_mail(conn: Connection, envelope: Envelope) -> None:
    event = envelope.payload(AccountMailRequested)
    await tell_driver(conn, envelope.id, event.user_id, event.kind, {"mail_id": event.mail_id})


async def on_invoice_paid(conn: Connection, envelope: Envelope) -> None:
    event = envelope.payload(InvoicePaid)
    if event.user_id is not None and event.total_minor > 0:
        await tell_driver(conn, envelope.id, event.user_id, "receipt", _data(event))


async def on_payment_failed(conn: Connection, envelope: Envelope) -> None:
    event = envelope.payload(InvoicePaymentFailed)
    if event.user_id is not None:
        await tell_driver(conn, envelope.id, event.user_id, "payment-failed", _data(event))


async def on_subscription_renewed(conn: Connection, envelope: Envelope) -> None:
    event = envelope.payload(SubscriptionRenewed)
    await tell_driver(conn, envelope.id, event.user_id, "subscription-renewed", _data(event))


async def on_subscription_past_due(conn: Connection, envelope: Envelope) -> None:
    event = envelope.payload(SubscriptionPastDue)
    await tell_driver(conn, envelope.id, event.user_id, "subscription-past-due", _data(event))


def on_reservation(model: type[ReservationEvent]) -> Handler:
    async def handle(conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(model)
        if event.kind != "booking" or event.user_id is None:
            return
        if isinstance(event, ReservationConfirmed):
            await reminders.upsert(conn, event)
            await tell_driver(conn, envelope.id, event.user_id, "booking-confirmed", _data(event))
            return
        if event.status != "confirmed":
            await reminders.remove(conn, event.reservation_id)
        if isinstance(event, ReservationCancelled) and event.reason not in _DRIVERS_OWN:
            await tell_driver(conn, envelope.id, event.user_id, "booking-cancelled", _data(event))

    return handle


async def on_ticket_replied(conn: Connection, envelope: Envelope) -> None:
    # Only public messages produce this event; internal notes never reach Kafka.
    event = envelope.payload(TicketReplied)
    if event.author_kind == "staff":
        await tell_driver(conn, envelope.id, event.user_id, "support-reply", _data(event))


def on_alert(model: type[AlertOpened] | type[AlertResolved], kind: str) -> Handler:
    async def handle(conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(model)
        await tell_operators(conn, envelope.id, kind, event.severity, event.site, _data(event))

    return handle


def on_inspection(model: type[InspectionDue] | type[InspectionOverdue], kind: str) -> Handler:
    severity = "low" if model is InspectionDue else "medium"

    async def handle(conn: Connection, envelope: Envelope) -> None:
        event = envelope.payload(model)
        await tell_operators(conn, envelope.id, kind, severity, event.site, _data(event))

    return handle


async def on_work_order_assigned(conn: Connection, envelope: Envelope) -> None:
    event = envelope.payload(WorkOrderAssigned)
    severity = _WORK_ORDER_SEVERITY.get(event.priority, "medium")
    await tell_operators(
        conn, envelope.id, "work-order-assigned", severity, event.site, _data(event)
    )


# The consumers of the service: purpose (consumer group and inbox name) -> topics.
SUBSCRIPTIONS: dict[str, list[str]] = {
    "contacts": [IDENTITY_CONTACTS.name],
    "account-mail": [IDENTITY_ACCOUNT_MAIL.name],
    "invoices": [PAYMENT_INVOICES.name],
    "reservations": [BOOKING_RESERVATIONS.name],
    "tickets": [SUPPORT_TICKETS.name],
    "operations": [OPERATIONS_ALERTS.name],
}


def handlers() -> dict[str, dict[str, Handler]]:
    return {
        "contacts": {ContactChanged.event_type: on_contact},
        "account-mail": {AccountMailRequested.event_type: on_account_mail},
        "invoices": {
            InvoicePaid.event_type: on_invoice_paid,
            InvoicePaymentFailed.event_type: on_payment_failed,
            SubscriptionRenewed.event_type: on_subscription_renewed,
            SubscriptionPastDue.event_type: on_subscription_past_due,
        },
        "reservations": {m.event_type: on_reservation(m) for m in RESERVATION_EVENTS},
        "tickets": {TicketReplied.event_type: on_ticket_replied},
        "operations": {
            AlertOpened.event_type: on_alert(AlertOpened, "alert-opened"),
            AlertResolved.event_type: on_alert(AlertResolved, "alert-resolved"),
            InspectionDue.event_type: on_inspection(InspectionDue, "inspection-due"),
            InspectionOverdue.event_type: on_inspection(InspectionOverdue, "inspection-overdue"),
            WorkOrderAssigned.event_type: on_work_order_assigned,
        },
    }


def build_consumers(runtime: ServiceRuntime) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    return [
        EventConsumer(
            name=runtime.consumer_name(purpose),
            pool=runtime.pool,
            bootstrap_servers=runtime.settings.kafka_bootstrap_servers,
            topics=SUBSCRIPTIONS[purpose],
            handlers=handlers_of,
            tombstones={IDENTITY_CONTACTS.name: on_contact_tombstone}
            if purpose == "contacts"
            else None,
        )
        for purpose, handlers_of in handlers().items()
    ]
