"""Request and response models of work orders."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Priority = Literal["low", "normal", "high", "urgent"]
WorkOrderStatus = Literal["open", "assigned", "in_progress", "on_hold", "done", "cancelled"]
CLOSED = frozenset({"done", "cancelled"})
# untouched: availability not managed; scheduled: Inoperative at window start;
# *_requested: ChangeAvailability sent, answer pending (or charger offline: sent again at
# reconnect); released: another open work order still holds the charger out of use.
Availability = Literal[
    "untouched",
    "scheduled",
    "inoperative_requested",
    "inoperative",
    "operative_requested",
    "operative",
    "released",
]


class WorkOrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=4000)
    charge_point_id: str = Field(min_length=1, max_length=128)
    # None: the whole charger.
    connector_id: int | None = Field(None, ge=1, le=100)
    priority: Priority = "normal"
    assignee: str | None = Field(None, max_length=128)
    # The alert this order answers (optional).
    alert_id: str | None = None
    requires_inoperative: bool = False
    window_starts_at: AwareDatetime | None = None
    window_ends_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _window(self) -> WorkOrderCreate:
        start, end = self.window_starts_at, self.window_ends_at
        if start and end and end <= start:
            raise ValueError("window_ends_at must be after window_starts_at")
        return self


class WorkOrderUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=4000)
    priority: Priority | None = None
    status: WorkOrderStatus | None = None
    assignee: str | None = Field(None, max_length=128)
    requires_inoperative: bool | None = None
    window_ends_at: AwareDatetime | None = None
    # Recorded as a note with the change.
    note: str | None = Field(None, max_length=4000)


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=4000)


class NoteOut(BaseModel):
    author: str
    body: str
    at: datetime


class WorkOrderOut(BaseModel):
    id: str
    title: str
    description: str | None
    charge_point_id: str
    connector_id: int | None
    site: str | None
    priority: Priority
    status: WorkOrderStatus
    assignee: str | None
    source: Literal["operator", "inspection", "alert"]
    alert_id: str | None
    inspection_id: str | None
    inspection_item: str | None
    requires_inoperative: bool
    window_starts_at: datetime | None
    window_ends_at: datetime | None
    availability: Availability
    availability_detail: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    notes: list[NoteOut] = Field(default_factory=list)
