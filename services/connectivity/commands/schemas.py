"""Request and response models of remote commands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CommandCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The OCPP action (e.g. "RemoteStartTransaction", "GetVariables") and its request payload
    # exactly as the specification writes it (camelCase keys).
    action: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float | None = Field(None, gt=0, le=300)
    # Wait for the charger's answer (up to the timeout); false returns the command id at once.
    wait: bool = True


class CommandOut(BaseModel):
    id: str
    charge_point_id: str
    action: str
    payload: dict[str, Any]
    status: str
    response: dict[str, Any] | None
    error: str | None
    requested_by: str | None
    requested_at: datetime
    completed_at: datetime | None
