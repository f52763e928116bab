"""Request and response models of the charge point registry."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.connectivity.credentials import MAX_LENGTH, MIN_LENGTH

OcppVersion = Literal["1.6", "2.0.1"]
# OCPP security profile: 1 Basic auth, 2 Basic auth over TLS (handled alike at the handshake),
# 3 TLS with a client certificate naming the charger (no password accepted).
SecurityProfile = Literal[1, 2, 3]
ID_PATTERN = r"^[A-Za-z0-9._:\-]{1,48}$"


class Location(BaseModel):
    site_name: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=500)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class ChargePointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    ocpp_version: OcppVersion = "1.6"
    vendor: str | None = Field(None, max_length=50)
    model: str | None = Field(None, max_length=50)
    serial_number: str | None = Field(None, max_length=50)
    connectors: int = Field(1, ge=0, le=64)
    location: Location = Location()
    security_profile: SecurityProfile = 2
    # Omit to have the server generate a high-entropy password (returned once).
    password: str | None = Field(None, min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class ChargePointUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: str | None = Field(None, max_length=50)
    model: str | None = Field(None, max_length=50)
    serial_number: str | None = Field(None, max_length=50)
    connectors: int | None = Field(None, ge=0, le=64)
    location: Location | None = None
    ocpp_version: OcppVersion | None = None
    # A change closes the charger's connection on every replica (it was opened under the old one).
    security_profile: SecurityProfile | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(None, min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class ConnectorStatusOut(BaseModel):
    connector_id: int
    evse_id: int | None
    status: str
    error_code: str | None
    info: str | None
    vendor_error_code: str | None = None
    changed_at: datetime


class ChargePointOut(BaseModel):
    id: str
    ocpp_version: str
    vendor: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    connectors: int
    location: Location
    approval: Literal["pending", "approved", "retired"]
    security_profile: SecurityProfile
    online: bool
    last_seen_at: datetime | None
    last_boot_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ChargePointWithPassword(ChargePointOut):
    """Returned once, when the charger is provisioned or its password rotated."""

    password: str


class StatusHistoryOut(BaseModel):
    connector_id: int
    evse_id: int | None = None
    status: str
    error_code: str | None
    info: str | None
    vendor_error_code: str | None = None
    at: datetime


class SiteOut(BaseModel):
    site_name: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    charge_points: int
    connectors_total: int
    connectors_available: int
