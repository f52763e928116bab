"""Request and response models of inspections and their checklist items."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

ItemResult = Literal["pass", "fail", "not_applicable"]
InspectionStatus = Literal["due", "completed", "cancelled"]


class InspectionItemOut(BaseModel):
    key: str
    label: str
    equipment_kind: str | None
    inoperative_on_fail: bool
    result: ItemResult | None
    note: str | None
    photos: list[str]
    work_order_id: str | None = None


class InspectionOut(BaseModel):
    id: str
    plan_id: str | None
    template_id: str
    template_name: str
    charge_point_id: str
    site: str | None
    due_at: datetime
    overdue_at: datetime
    overdue: bool
    status: InspectionStatus
    completed_by: str | None
    completed_at: datetime | None
    note: str | None
    items: list[InspectionItemOut]


class InspectionCreate(BaseModel):
    """An inspection outside any plan (after an incident, a repair...)."""

    model_config = ConfigDict(extra="forbid")

    template_id: str
    charge_point_id: str = Field(min_length=1, max_length=128)
    due_at: AwareDatetime | None = None


class ItemResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64)
    result: ItemResult
    note: str | None = Field(None, max_length=2000)
    # References to photos stored elsewhere (object-store keys or URLs), not the photos.
    photos: list[str] = Field(default_factory=list, max_length=10)


class InspectionCompletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ItemResultIn] = Field(min_length=1, max_length=100)
    note: str | None = Field(None, max_length=4000)


class InspectionCompleted(BaseModel):
    inspection: InspectionOut
    work_order_ids: list[str]
