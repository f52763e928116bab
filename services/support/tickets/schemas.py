"""Request and response bodies of tickets. Drivers' models have no internal notes at all."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.support.readmodel.schemas import LinkedSummary
from shared.events.support import TicketCategory, TicketOrigin, TicketPriority, TicketStatus

Visibility = Literal["public", "internal"]
_ID = Field(default=None, min_length=1, max_length=128)


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: TicketCategory
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=10_000)
    session_id: str | None = _ID
    charge_point_id: str | None = _ID
    reservation_id: str | None = _ID
    invoice_id: str | None = _ID


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=10_000)


class StaffMessageIn(ReplyIn):
    visibility: Visibility = "public"


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TicketStatus
    # Optional public message sent with the change (e.g. the resolution).
    message: str | None = Field(default=None, min_length=1, max_length=10_000)


class TicketPatch(BaseModel):
    """Staff changes; `assignee` null unassigns (only the fields sent change)."""

    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(default=None, min_length=1, max_length=128)
    priority: TicketPriority | None = None
    category: TicketCategory | None = None


class MessageOut(BaseModel):
    id: str
    author_kind: Literal["driver", "staff", "system"]
    body: str
    created_at: datetime


class StaffMessageOut(MessageOut):
    author: str
    visibility: Visibility


class Links(BaseModel):
    session_id: str | None
    charge_point_id: str | None
    reservation_id: str | None
    invoice_id: str | None


class DriverTicketSummary(BaseModel):
    id: str
    category: TicketCategory
    status: TicketStatus
    subject: str
    origin: TicketOrigin
    links: Links
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    # Until when the driver may reopen it (resolved or closed tickets).
    reopenable_until: datetime | None


class DriverTicket(DriverTicketSummary):
    description: str
    messages: list[MessageOut]


class Sla(BaseModel):
    paused: bool
    elapsed_business_s: float
    first_response_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_breached: bool
    resolution_breached: bool


class StaffTicketSummary(BaseModel):
    id: str
    driver_id: str
    category: TicketCategory
    priority: TicketPriority
    status: TicketStatus
    subject: str
    origin: TicketOrigin
    assignee: str | None
    links: Links
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    breached: bool
    sla: Sla


class StaffTicket(StaffTicketSummary):
    description: str
    messages: list[StaffMessageOut]
    linked: LinkedSummary


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Why the driver reopens it; added to the conversation as their reply.
    message: str | None = Field(default=None, min_length=1, max_length=10_000)
