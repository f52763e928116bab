"""Request and response models of security equipment and the public safety read."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

EquipmentKind = Literal[
    "surveillance_camera",
    "security_lighting",
    "emergency_stop_button",
    "fencing_or_bollards",
    "fire_extinguisher",
]
EquipmentState = Literal["working", "faulty", "out_of_service"]


class EquipmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    charge_point_id: str = Field(min_length=1, max_length=128)
    kind: EquipmentKind
    label: str | None = Field(None, max_length=200)
    state: EquipmentState = "working"
    last_tested_at: AwareDatetime | None = None
    notes: str | None = Field(None, max_length=2000)


class EquipmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(None, max_length=200)
    state: EquipmentState | None = None
    last_tested_at: AwareDatetime | None = None
    notes: str | None = Field(None, max_length=2000)


class EquipmentOut(BaseModel):
    id: str
    charge_point_id: str
    kind: EquipmentKind
    label: str | None
    state: EquipmentState
    last_tested_at: datetime | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


class StationSafety(BaseModel):
    """What a driver may know about a station's safety: only working equipment counts."""

    charge_point_id: str
    lit: bool
    camera_monitored: bool
    emergency_stop: bool
    fenced: bool
    fire_extinguisher: bool
