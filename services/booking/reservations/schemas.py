"""Request and response models of reservations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.events.booking import (
    AlternativeWindow,
    ChargerHold,
    ReservationKind,
    ReservationStatus,
)

ChargePointId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class ReservationCreate(BaseModel):
    """A driver's booking. Times are RFC 3339 with an offset, aligned to the slot size."""

    model_config = ConfigDict(extra="forbid")

    charge_point_id: ChargePointId
    # None: any connector of the charge point (one is picked when the booking is made).
    connector_id: int | None = Field(None, ge=1, le=1000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    # One of the driver's own accepted id-tokens for the charger; default: their accepted token
    # when ReserveNow is sent.
    id_token: str | None = Field(None, min_length=1, max_length=36)
    # Staff booking on behalf of a driver name the driver; drivers leave it out.
    user_id: str | None = Field(None, min_length=1, max_length=64)


class BlockCreate(BaseModel):
    """An operator's block of one connector for a window (maintenance, a fleet customer...)."""

    model_config = ConfigDict(extra="forbid")

    charge_point_id: ChargePointId
    connector_id: int = Field(ge=1, le=1000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    note: str | None = Field(None, max_length=200)
    # The fleet account whose sessions may use the blocked connector; None: nobody's.
    user_id: str | None = Field(None, min_length=1, max_length=64)


class ReservationOut(BaseModel):
    id: str
    kind: ReservationKind
    user_id: str | None
    charge_point_id: str
    connector_id: int
    starts_at: datetime
    ends_at: datetime
    status: ReservationStatus
    # Whether the charger itself holds the reservation (see the README).
    charger_hold: ChargerHold
    charger_detail: str | None
    session_id: str | None
    cancel_reason: str | None
    cancelled_late: bool
    alternative: AlternativeWindow | None
    note: str | None
    created_at: datetime
    updated_at: datetime


class TimeWindow(BaseModel):
    starts_at: datetime
    ends_at: datetime
