"""Request and response models of checklist templates and maintenance plans."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from services.operations.equipment.schemas import EquipmentKind


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_\-]+$")
    label: str = Field(min_length=1, max_length=300)
    # Passing or failing this item tests the station's equipment of this kind.
    equipment_kind: EquipmentKind | None = None
    # A failed item opens a work order; with this set, one that takes the charger out of use.
    inoperative_on_fail: bool = False


def _unique_keys(items: list[ChecklistItem]) -> list[ChecklistItem]:
    # A field validator, so a 422 names `items` (the console shows it by the list).
    keys = [item.key for item in items]
    if len(keys) != len(set(keys)):
        raise ValueError("checklist item keys must be unique")
    return items


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9\-]+$")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    default_interval_days: int = Field(gt=0, le=3660)
    items: list[ChecklistItem] = Field(min_length=1, max_length=100)

    @field_validator("items")
    @classmethod
    def _items_unique(cls, items: list[ChecklistItem]) -> list[ChecklistItem]:
        return _unique_keys(items)


class TemplateUpdate(BaseModel):
    """What changes: the checklist (the whole list, in its new order), name, description,
    interval, and `retired`. The key never changes. Shipped templates change only `retired`."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    default_interval_days: int | None = Field(None, gt=0, le=3660)
    items: list[ChecklistItem] | None = Field(None, min_length=1, max_length=100)
    # true: not offered for new plans or inspections (refused while an active plan uses it).
    retired: bool | None = None

    @field_validator("items")
    @classmethod
    def _items_unique(cls, items: list[ChecklistItem] | None) -> list[ChecklistItem] | None:
        return None if items is None else _unique_keys(items)


class TemplateOut(BaseModel):
    id: str
    key: str
    name: str
    description: str | None
    default_interval_days: int
    items: list[ChecklistItem]
    builtin: bool
    created_at: datetime
    updated_at: datetime
    retired_at: datetime | None


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    template_id: str
    # Exactly one: a station, or every station of a site.
    charge_point_id: str | None = Field(None, max_length=128)
    site: str | None = Field(None, max_length=200)
    # Defaults to the template's interval.
    interval_days: int | None = Field(None, gt=0, le=3660)
    grace_days: int = Field(0, ge=0, le=365)
    # The first inspection's due date; defaults to now plus the interval.
    first_due_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_scope(self) -> PlanCreate:
        if (self.charge_point_id is None) == (self.site is None):
            raise ValueError("give exactly one of charge_point_id and site")
        return self


class PlanUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    interval_days: int | None = Field(None, gt=0, le=3660)
    grace_days: int | None = Field(None, ge=0, le=365)
    next_due_at: AwareDatetime | None = None
    active: bool | None = None


class PlanOut(BaseModel):
    id: str
    name: str
    template_id: str
    charge_point_id: str | None
    site: str | None
    interval_days: int
    grace_days: int
    next_due_at: datetime
    active: bool
    created_by: str
    created_at: datetime
