"""Events of the connectivity service about charge points: registry, connectivity, status, security."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.envelope import EventPayload
from shared.events.topics import CHARGEPOINTS_REGISTRY, CHARGEPOINTS_STATUS, Topic

Approval = Literal["pending", "approved", "retired"]


class ChargePointLocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    site_name: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class ChargePointRegistered(EventPayload):
    """The latest registry entry of a charge point, keyed by its id (compacted topic).

    Published on every change (provisioning, update, approval, retirement, firmware reported at boot).
    """

    event_type: ClassVar[str] = "charge-point.registry-changed"
    topic: ClassVar[Topic] = CHARGEPOINTS_REGISTRY

    charge_point_id: str
    ocpp_version: str
    vendor: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    connectors: int
    location: ChargePointLocation
    approval: Approval


class ChargePointCutOff(EventPayload):
    """The charger must be disconnected wherever it is connected: it was retired, or its password
    or security profile changed (the connection was opened under the old one).

    Published on the registry topic under the key `<charge point id>#cut-off` (`#` never occurs
    in an id), so compaction keeps it beside the registry entry instead of replacing it. Every
    connectivity replica consumes it and closes the charger's WebSocket if it holds it.
    """

    event_type: ClassVar[str] = "charge-point.cut-off"
    topic: ClassVar[Topic] = CHARGEPOINTS_REGISTRY

    charge_point_id: str
    reason: Literal["retired", "password_changed", "security_profile_changed"]
    at: datetime

    @staticmethod
    def key_for(charge_point_id: str) -> str:
        return f"{charge_point_id}#cut-off"


class ChargePointConnected(EventPayload):
    event_type: ClassVar[str] = "charge-point.connected"
    topic: ClassVar[Topic] = CHARGEPOINTS_STATUS

    charge_point_id: str
    ocpp_version: str
    at: datetime


class ChargePointDisconnected(EventPayload):
    """The charger went offline: its WebSocket closed, or it missed too many heartbeats."""

    event_type: ClassVar[str] = "charge-point.disconnected"
    topic: ClassVar[Topic] = CHARGEPOINTS_STATUS

    charge_point_id: str
    reason: Literal["closed", "heartbeat_missed"]
    at: datetime


class ChargePointBooted(EventPayload):
    event_type: ClassVar[str] = "charge-point.booted"
    topic: ClassVar[Topic] = CHARGEPOINTS_STATUS

    charge_point_id: str
    registration: Literal["Accepted", "Pending", "Rejected"]
    firmware_version: str | None
    at: datetime


class ConnectorStatusChanged(EventPayload):
    event_type: ClassVar[str] = "connector.status-changed"
    topic: ClassVar[Topic] = CHARGEPOINTS_STATUS

    charge_point_id: str
    connector_id: int
    evse_id: int | None = None
    status: str
    error_code: str | None = None
    info: str | None = None
    at: datetime
    # 1.6 `vendorErrorCode`, when the publisher carries it apart from `info` (optional: older
    # publishers put it in `info` when the charger sent no info text).
    vendor_error_code: str | None = None


class ChargePointSecurityEvent(EventPayload):
    """A refused handshake, or a security event the charger reported; operations turns it into an alert."""

    event_type: ClassVar[str] = "charge-point.security-event"
    topic: ClassVar[Topic] = CHARGEPOINTS_STATUS

    charge_point_id: str
    kind: str
    detail: str | None = None
    # How many attempts this event stands for: connectivity writes at most one event per source
    # (client address) and kind per interval, and counts the attempts it held back into it.
    count: int = Field(1, ge=1)
    at: datetime


class ChargePointFault(EventPayload):
    """A connector reported an error code, or firmware/diagnostics work failed."""

    event_type: ClassVar[str] = "charge-point.fault"
    topic: ClassVar[Topic] = CHARGEPOINTS_STATUS

    charge_point_id: str
    connector_id: int | None = None
    kind: str
    detail: str | None = None
    at: datetime
