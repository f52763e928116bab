"""Bodies of /v1/notifications/deliveries (the delivery log; never an address or a secret)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

DeliveryStatus = Literal["pending", "sent", "skipped", "dropped", "failed"]


class DeliveryOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    kind: str
    channel: Literal["email", "webhook"]
    user_id: str | None
    subscription_id: uuid.UUID | None
    status: DeliveryStatus
    # why skipped, dropped or failed (`preference`, `no-contact`, `account-deleted`...)
    reason: str | None
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
