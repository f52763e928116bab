"""Request and response models of plans and subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

PlanKind = Literal["unlimited", "allowance"]


class PlanCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: PlanKind
    # The monthly fee the driver pays, incl. VAT, in minor units.
    monthly_fee_minor: int = Field(ge=0, le=100_000_000)
    currency: str | None = Field(default=None, pattern="^[A-Z]{3}$")
    # allowance plans: kWh covered per billing period (then the tariff applies).
    allowance_kwh: int | None = Field(default=None, ge=1, le=1_000_000)
    # Limited to these chargers; empty: the whole network.
    charge_point_ids: list[str] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _allowance(self) -> PlanCreate:
        if (self.kind == "allowance") != (self.allowance_kwh is not None):
            raise ValueError("allowance_kwh is required for allowance plans, and only for them")
        return self


class PlanUpdate(BaseModel):
    """A plan's price never changes (Stripe's prices are immutable): retire it, make a new one."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None


class PlanOut(BaseModel):
    id: UUID
    name: str
    kind: PlanKind
    monthly_fee_minor: int
    currency: str
    allowance_kwh: int | None
    charge_point_ids: list[str]
    active: bool
    created_at: datetime


class SubscriptionCreate(BaseModel):
    plan_id: UUID


class SubscriptionChange(BaseModel):
    plan_id: UUID


class SubscriptionOut(BaseModel):
    id: UUID
    user_id: str
    plan_id: UUID
    # Stripe's status: active, past_due, canceled, incomplete, ...
    status: str
    cancel_at_period_end: bool
    current_period_start: datetime | None
    current_period_end: datetime | None
    created_at: datetime
    canceled_at: datetime | None
