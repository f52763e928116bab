"""Request and response models of holds."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class HoldCreate(BaseModel):
    charge_point_id: str = Field(min_length=1, max_length=64)
    connector_id: int = Field(ge=1, le=999)


class HoldOut(BaseModel):
    """A pre-authorised payment for one session; `client_secret` is for Stripe's SDK only."""

    id: UUID
    kind: str
    status: str
    charge_point_id: str
    connector_id: int
    amount_minor: int
    currency: str
    client_secret: str | None
    start_deadline: datetime | None
    session_id: str | None
    # The running session, from its progress events.
    energy_wh: int | None
    power_w: float | None
    stop_requested_at: datetime | None
    invoice_id: UUID | None
    captured_minor: int | None
    cancel_reason: str | None
    created_at: datetime
