"""Request and response models of maintenance windows."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class MaintenanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    charge_point_id: str = Field(min_length=1, max_length=64)
    # None: the whole charge point.
    connector_id: int | None = Field(None, ge=1, le=1000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str | None = Field(None, max_length=200)


class MaintenanceOut(BaseModel):
    id: str
    charge_point_id: str
    connector_id: int | None
    starts_at: datetime
    # None: open-ended (a window operations published without an end, until its work is done).
    ends_at: datetime | None
    reason: str | None
    # `operator` (this API) or `operations` (published by the operations service).
    source: str
    created_by: str | None
    # Operations' window id, for windows published by operations.
    operations_window_id: str | None = None
    # Bookings cancelled because of this window (their drivers were offered alternatives).
    cancelled_bookings: int = 0
