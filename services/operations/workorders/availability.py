"""Taking a connector (or a whole charger) out of service for a work order and back.

The change is a ChangeAvailability command published on `connectivity.commands.v1` through the
outbox, requested by the service account of the settings (in identity it holds only the scope
`commands:availability`); the maintenance window goes to `operations.alerts.v1` so booking
stops offering the slots it covers.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from services.operations.settings import Settings
from services.operations.stations import repository as stations
from shared.auth.scopes import AVAILABILITY_SCOPE
from shared.db import Connection
from shared.events.commands import CommandRequested
from shared.events.operations import MaintenanceWindowEnded, MaintenanceWindowScheduled
from shared.outbox import enqueue

log = structlog.get_logger(__name__)
SOURCE = "operations"
ACTION = "ChangeAvailability"


def change_availability(
    ocpp_version: str, connector_id: int | None, operative: bool
) -> dict[str, Any]:
    """The request payload as each OCPP version writes it; no connector means the charger."""
    state = "Operative" if operative else "Inoperative"
    if ocpp_version.startswith("2"):
        payload: dict[str, Any] = {"operationalStatus": state}
        if connector_id is not None:
            payload["evse"] = {"id": connector_id}  # a 2.0.1 work order names the EVSE
        return payload
    return {"connectorId": connector_id or 0, "type": state}


async def send(
    conn: Connection, order: asyncpg.Record, *, operative: bool, settings: Settings
) -> UUID:
    station = await stations.get(conn, order["charge_point_id"])
    version = station.ocpp_version if station is not None else "1.6"
    command_id = uuid.uuid4()
    await enqueue(
        conn,
        CommandRequested(
            command_id=str(command_id),
            charge_point_id=order["charge_point_id"],
            action=ACTION,
            payload=change_availability(version, order["connector_id"], operative),
            timeout_s=settings.availability_command_timeout_s,
            requested_by=settings.service_account,
            requested_scopes=[AVAILABILITY_SCOPE],
        ),
        source=SOURCE,
        subject=str(command_id),
        key=order["charge_point_id"],
    )
    log.info(
        "operations.availability.requested",
        work_order_id=str(order["id"]),
        charge_point_id=order["charge_point_id"],
        connector_id=order["connector_id"],
        operative=operative,
        command_id=str(command_id),
    )
    return command_id


async def window_scheduled(conn: Connection, order: asyncpg.Record) -> None:
    await enqueue(
        conn,
        MaintenanceWindowScheduled(
            window_id=str(order["id"]),
            work_order_id=str(order["id"]),
            charge_point_id=order["charge_point_id"],
            connector_id=order["connector_id"],
            site=order["site"],
            starts_at=order["window_starts_at"] or order["created_at"],
            ends_at=order["window_ends_at"],
        ),
        source=SOURCE,
        subject=str(order["id"]),
        key=order["charge_point_id"],
    )


async def window_ended(conn: Connection, order: asyncpg.Record) -> None:
    await enqueue(
        conn,
        MaintenanceWindowEnded(
            window_id=str(order["id"]),
            work_order_id=str(order["id"]),
            charge_point_id=order["charge_point_id"],
            connector_id=order["connector_id"],
            ended_at=datetime.now(UTC),
        ),
        source=SOURCE,
        subject=str(order["id"]),
        key=order["charge_point_id"],
    )
