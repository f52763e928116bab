"""What staff see of a ticket's links: summaries kept from the owners' events."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class SessionSummary(BaseModel):
    session_id: str
    charge_point_id: str
    connector_id: int
    started_at: datetime
    stopped_at: datetime | None
    energy_wh: int | None
    stop_reason: str | None


class ReservationSummary(BaseModel):
    reservation_id: str
    charge_point_id: str
    connector_id: int
    starts_at: datetime
    ends_at: datetime
    status: str


class InvoiceSummary(BaseModel):
    invoice_id: str
    number: str
    session_id: str | None
    currency: str
    total_minor: int
    status: str
    amount_paid_minor: int
    amount_refunded_minor: int
    failure_code: str | None


class LinkedSummary(BaseModel):
    session: SessionSummary | None = None
    reservation: ReservationSummary | None = None
    invoice: InvoiceSummary | None = None
