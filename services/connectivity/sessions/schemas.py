"""Response models of charging sessions, and the normalised meter sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field


@dataclass(frozen=True, slots=True)
class Sample:
    """One sampled value, normalised: energy in Wh, power in W, SoC in percent."""

    at: datetime
    measurand: str
    phase: str
    value: float
    unit: str | None


@dataclass(frozen=True, slots=True)
class TransactionSamples:
    """Samples of one transaction from one MeterValues, buffered until the next flush."""

    cp_id: str
    transaction_id: str
    samples: Sequence[Sample]


class SessionClose(BaseModel):
    """An operator closes a session whose stop never arrived."""

    reason: str = Field(
        "ClosedByOperator", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9 ._:-]+$"
    )


class SessionOut(BaseModel):
    id: str
    charge_point_id: str
    connector_id: int
    evse_id: int | None
    transaction_id: str
    id_tag: str | None
    user_id: str | None
    authorization: str
    status: str
    started_at: datetime
    stopped_at: datetime | None
    duration_s: int
    meter_start_wh: int
    meter_stop_wh: int | None
    energy_wh: int
    power_w: float | None
    soc_percent: float | None
    stop_reason: str | None


class SampleOut(BaseModel):
    at: datetime
    measurand: str
    phase: str
    value: float
    unit: str | None
