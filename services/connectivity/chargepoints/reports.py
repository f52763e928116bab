"""What chargers report over OCPP, as the OCPP edge hands it to the registry (checked already)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# (charge point, EVSE or 0, connector)
StatusKey = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class ConnectedCharger:
    """A charger whose WebSocket this replica just accepted."""

    cp_id: str
    ocpp_version: str
    connection_id: str


@dataclass(frozen=True, slots=True)
class BootReport:
    """A BootNotification: who the charger says it is."""

    cp_id: str
    vendor: str
    model: str
    serial_number: str | None
    firmware_version: str | None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A StatusNotification of one connector (1.6) or EVSE connector (2.0.1)."""

    cp_id: str
    connector_id: int
    evse_id: int | None
    status: str
    error_code: str | None
    info: str | None
    at: datetime
    vendor_error_code: str | None = None  # 1.6 `vendorErrorCode`

    @property
    def key(self) -> StatusKey:
        """Which connector: 2.0.1 numbers connectors within an EVSE (1.6 has none: 0)."""
        return (self.cp_id, self.evse_id or 0, self.connector_id)
