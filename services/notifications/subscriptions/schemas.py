"""Bodies of /v1/notifications/subscriptions (operators)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.notifications.kinds import Channel, OperatorKind, Severity


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel
    # The receiver of a webhook subscription (https; http only where the service allows it).
    url: str | None = Field(default=None, max_length=2000)
    # Alerts of at least this severity (inspections and work orders count as medium/low).
    min_severity: Severity = "low"
    # Only these sites; empty: every site.
    sites: list[str] = Field(default_factory=list, max_length=200)
    # Only these kinds; empty: every operator kind.
    kinds: list[OperatorKind] = Field(default_factory=list)


class SubscriptionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    min_severity: Severity | None = None
    sites: list[str] | None = Field(default=None, max_length=200)
    kinds: list[OperatorKind] | None = None


class Subscription(BaseModel):
    id: uuid.UUID
    owner_id: str
    channel: Channel
    url: str | None
    min_severity: Severity
    sites: list[str]
    kinds: list[OperatorKind]
    status: Literal["active", "disabled"]
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime


class SubscriptionWithSecret(Subscription):
    """Shown once, at creation and on rotation: the webhook signing secret (`whsec_…`)."""

    secret: str | None
