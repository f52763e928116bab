"""Events of the support service on `support.tickets.v1`, keyed by ticket id.

Every ticket event carries the ticket's current picture for analytics (category, priority,
status, SLA), never its text: subjects, descriptions and messages stay in support. Internal
notes of staff produce no event at all. `station-safety.reported` is the exception that
carries the driver's words, for operations to raise an alert at the charger.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload
from shared.events.topics import SUPPORT_TICKETS, Topic

TicketCategory = Literal[
    "charging_problem", "payment_invoice", "booking", "account", "station_safety", "other"
]
TicketPriority = Literal["low", "normal", "high", "urgent"]
TicketStatus = Literal["open", "pending", "resolved", "closed"]
TicketOrigin = Literal["driver", "automatic"]


class TicketEvent(EventPayload):
    """What every ticket event says about the ticket."""

    topic: ClassVar[Topic] = SUPPORT_TICKETS

    ticket_id: str
    user_id: str
    category: TicketCategory
    priority: TicketPriority
    status: TicketStatus
    origin: TicketOrigin
    assignee: str | None
    session_id: str | None
    charge_point_id: str | None
    reservation_id: str | None
    invoice_id: str | None
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    # Business seconds the SLA clock counted up to its last pause or stop (pending, resolved);
    # final once the ticket is resolved.
    sla_elapsed_s: float
    first_response_breached: bool
    resolution_breached: bool
    at: datetime


class TicketOpened(TicketEvent):
    event_type: ClassVar[str] = "ticket.opened"


class TicketUpdated(TicketEvent):
    """Assignee, priority or category changed."""

    event_type: ClassVar[str] = "ticket.updated"


class TicketStatusChanged(TicketEvent):
    event_type: ClassVar[str] = "ticket.status-changed"

    previous_status: TicketStatus
    by: str


class TicketReplied(TicketEvent):
    """A public message on the ticket (never an internal note); the text is not carried."""

    event_type: ClassVar[str] = "ticket.replied"

    message_id: str
    author_kind: Literal["driver", "staff"]


class TicketSlaBreached(TicketEvent):
    event_type: ClassVar[str] = "ticket.sla-breached"

    target: Literal["first_response", "resolution"]
    due_at: datetime


class StationSafetyReported(EventPayload):
    """A driver reported damage or a safety hazard at a charger (operations may raise an alert).

    Keyed by the charge point id when known, else by the ticket id.
    """

    event_type: ClassVar[str] = "station-safety.reported"
    topic: ClassVar[Topic] = SUPPORT_TICKETS

    ticket_id: str
    charge_point_id: str | None
    session_id: str | None
    subject: str
    description: str
    reported_at: datetime
