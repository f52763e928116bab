"""Rules of maintenance windows: a window cancels the bookings it overlaps (alternatives offered)."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg

from services.booking.maintenance import repository
from services.booking.maintenance.schemas import MaintenanceCreate, MaintenanceOut
from services.booking.network import repository as network
from services.booking.reservations.displace import displace
from services.booking.settings import Settings
from services.booking.timeslots import now
from shared.db import Connection
from shared.problems import Conflict, Invalid, NotFound


def to_out(row: asyncpg.Record, cancelled: int = 0) -> MaintenanceOut:
    return MaintenanceOut(
        id=str(row["id"]),
        charge_point_id=row["charge_point_id"],
        connector_id=row["connector_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        reason=row["reason"],
        source=row["source"],
        created_by=row["created_by"],
        operations_window_id=row["operations_window_id"],
        cancelled_bookings=cancelled,
    )


async def create(
    conn: Connection,
    data: MaintenanceCreate,
    settings: Settings,
    *,
    created_by: str,
    source: str = "operator",
) -> MaintenanceOut:
    if data.ends_at <= data.starts_at:
        raise Invalid("The window must end after it starts.", rule="end_after_start")
    if data.ends_at <= now():
        raise Invalid("The window is in the past.", rule="not_in_past")
    charge_point = await network.charge_point(conn, data.charge_point_id)
    if charge_point is None:
        raise NotFound(f"No charge point {data.charge_point_id}.")
    if data.connector_id is not None and data.connector_id > charge_point["connectors"]:
        raise NotFound(f"Charge point {data.charge_point_id} has no connector {data.connector_id}.")
    row = await repository.insert(
        conn,
        uuid.uuid4(),
        data.charge_point_id,
        data.connector_id,
        data.starts_at,
        data.ends_at,
        data.reason,
        source,
        created_by,
    )
    cancelled = await displace(
        conn,
        settings,
        charge_point_id=data.charge_point_id,
        connector_id=data.connector_id,
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        reason="maintenance",
    )
    return to_out(row, len(cancelled))


async def list_for(
    conn: Connection, charge_point_id: str | None, limit: int
) -> list[MaintenanceOut]:
    return [to_out(row) for row in await repository.list_(conn, charge_point_id, now(), limit)]


async def delete(conn: Connection, window_id: str) -> None:
    try:
        key = UUID(window_id)
    except ValueError:
        raise NotFound(f"No maintenance window {window_id}.") from None
    row = await repository.get(conn, key)
    if row is None:
        raise NotFound(f"No maintenance window {window_id}.")
    if row["operations_window_id"] is not None:
        raise Conflict(
            "This window was published by operations; it ends when its work order is closed."
        )
    await repository.delete(conn, key)
