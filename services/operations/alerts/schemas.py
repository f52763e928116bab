"""Request and response models of alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["low", "medium", "high"]
AlertStatus = Literal["open", "acknowledged", "resolved"]


class AlertOut(BaseModel):
    id: str
    kind: str
    severity: Severity
    status: AlertStatus
    title: str
    charge_point_id: str | None
    connector_id: int | None
    site: str | None
    details: dict[str, Any]
    occurrences: int
    opened_at: datetime
    last_seen_at: datetime
    # Set while the condition is clear and the hold-down runs; the alert then resolves itself.
    clear_since: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    acknowledge_note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolve_note: str | None
    resolved_automatically: bool


class AlertNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=2000)
