"""Response models of availability: free windows in the requested time zone (with its offset)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class FreeWindowOut(BaseModel):
    starts_at: datetime
    ends_at: datetime


class ConnectorAvailabilityOut(BaseModel):
    connector_id: int
    status: str | None
    in_service: bool
    free: list[FreeWindowOut]


class ChargePointAvailabilityOut(BaseModel):
    charge_point_id: str
    ocpp_version: str
    site_name: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    online: bool
    connectors: list[ConnectorAvailabilityOut]


class AvailabilityOut(BaseModel):
    time_zone: str
    period_start: datetime
    period_end: datetime
    slot_s: int
    # The earliest start a booking made now may have (minimum lead time, aligned).
    earliest_start: datetime
    charge_points: list[ChargePointAvailabilityOut] = Field(default_factory=list)
