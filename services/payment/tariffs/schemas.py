"""Tariff models (OCPI 2.2.1 shape) and their REST forms. Prices are integer minor units."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator

ComponentType = Literal["ENERGY", "TIME", "PARKING_TIME", "FLAT"]
DayOfWeek = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_PRICE = 10_000_000  # 100 000.00 in a two-decimal currency per unit: a typo, not a price


class PriceComponent(BaseModel):
    """One price: ENERGY per kWh, TIME per hour charging, PARKING_TIME per hour not charging
    (after `grace_period_s`), FLAT per session; excluding VAT, in minor units."""

    type: ComponentType
    price_minor: int = Field(ge=0, le=MAX_PRICE)
    # OCPI step_size: Wh for ENERGY, seconds for TIME and PARKING_TIME (ignored for FLAT).
    step_size: int = Field(default=1, ge=1, le=86_400)
    # Ladda's extension for idle fees: the free minutes after the car stopped drawing power.
    grace_period_s: int = Field(default=0, ge=0, le=86_400)


class Restrictions(BaseModel):
    """When an element applies (OCPI TariffRestrictions); every given bound must hold."""

    start_time: str | None = Field(default=None, description="local HH:MM, inclusive")
    end_time: str | None = Field(default=None, description="local HH:MM, exclusive; may wrap")
    day_of_week: list[DayOfWeek] | None = Field(default=None, max_length=7)
    min_kwh: float | None = Field(default=None, ge=0, le=100_000)
    max_kwh: float | None = Field(default=None, ge=0, le=100_000)
    min_power_kw: float | None = Field(default=None, ge=0, le=10_000)
    max_power_kw: float | None = Field(default=None, ge=0, le=10_000)
    min_duration_s: int | None = Field(default=None, ge=0, le=10_000_000)
    max_duration_s: int | None = Field(default=None, ge=0, le=10_000_000)

    @field_validator("start_time", "end_time")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value is not None and not _HHMM.match(value):
            raise ValueError("a local time as HH:MM")
        return value


class TariffElement(BaseModel):
    price_components: list[PriceComponent] = Field(min_length=1, max_length=8)
    restrictions: Restrictions | None = None


class TariffCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    vat_rate_bp: int | None = Field(default=None, ge=0, le=10_000, description="2500 = 25 %")
    time_zone: str | None = Field(default=None, max_length=64)
    charge_point_ids: list[str] = Field(
        default_factory=list, max_length=1000, description="empty: every charge point"
    )
    connector_ids: list[int] = Field(
        default_factory=list, max_length=64, description="empty: every connector"
    )
    elements: list[TariffElement] = Field(min_length=1, max_length=32)
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError("an IANA time zone such as Europe/Stockholm") from exc
        return value

    @field_validator("charge_point_ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        if any(not item or len(item) > 64 for item in value):
            raise ValueError("charge point ids are 1 to 64 characters")
        return value

    @field_validator("connector_ids")
    @classmethod
    def _connectors(cls, value: list[int]) -> list[int]:
        if any(not 0 < item < 1000 for item in value):
            raise ValueError("connector ids are 1 to 999")
        return value

    @model_validator(mode="after")
    def _validity(self) -> TariffCreate:
        if any(t is not None and t.tzinfo is None for t in (self.valid_from, self.valid_to)):
            raise ValueError("valid_from and valid_to need a UTC offset")
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self


class TariffUpdate(BaseModel):
    """Prices of a tariff never change (invoices refer to it): end it and create a new one."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    valid_to: datetime | None = None

    @field_validator("valid_to")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("valid_to needs a UTC offset")
        return value


class TariffOut(BaseModel):
    id: UUID
    name: str
    currency: str
    vat_rate_bp: int
    time_zone: str
    charge_point_ids: list[str]
    connector_ids: list[int]
    elements: list[TariffElement]
    valid_from: datetime
    valid_to: datetime | None
    created_at: datetime


class PricedLineOut(BaseModel):
    # On invoices also SUBSCRIPTION: what a plan covers (a negative line).
    component: ComponentType | Literal["SUBSCRIPTION"]
    description: str
    quantity: str
    unit: str
    unit_price_minor: int
    amount_minor: int


class PriceExampleOut(BaseModel):
    """What a session would cost, worked out with the real pricing code."""

    description: str
    energy_kwh: float
    lines: list[PricedLineOut]
    subtotal_minor: int
    vat_minor: int
    total_minor: int


class ConnectorPriceOut(BaseModel):
    charge_point_id: str
    connector_id: int
    at: datetime
    currency: str
    vat_rate_bp: int
    # AFIR: the price per kWh is the main component shown to an ad-hoc user (incl. VAT).
    energy_price_per_kwh_incl_vat_minor: int | None
    tariff: TariffOut
    example_20_kwh: PriceExampleOut
