"""Request and response models of starts with the saved card."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class CardStartCreate(BaseModel):
    charge_point_id: str = Field(min_length=1, max_length=64)
    connector_id: int = Field(ge=1, le=999)


class CardStartOut(BaseModel):
    """A session started from the app and billed after the stop to the driver's default card.

    `status`: authorized (identity is deciding the one-time token) → starting (the charger was
    asked) → charging → billed (the invoice is issued; `invoice_status` says when it is paid), or
    canceled with `cancel_reason` (charger-rejected, charger-offline, not-started, …)."""

    id: UUID
    status: str
    charge_point_id: str
    connector_id: int
    currency: str
    start_deadline: datetime | None
    session_id: str | None
    # The running session, from its progress events.
    energy_wh: int | None
    power_w: float | None
    stop_requested_at: datetime | None
    invoice_id: UUID | None
    invoice_status: str | None
    cancel_reason: str | None
    created_at: datetime
