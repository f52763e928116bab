"""Rules of security equipment: operators keep the inventory; inspections update test dates;
drivers see only which safety features of a station work."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg

from services.operations.equipment import repository
from services.operations.equipment.schemas import (
    EquipmentCreate,
    EquipmentOut,
    EquipmentUpdate,
    StationSafety,
)
from services.operations.stations import repository as stations
from shared.db import Connection
from shared.problems import NotFound


def to_out(row: asyncpg.Record) -> EquipmentOut:
    return EquipmentOut(
        id=str(row["id"]),
        charge_point_id=row["charge_point_id"],
        kind=row["kind"],
        label=row["label"],
        state=row["state"],
        last_tested_at=row["last_tested_at"],
        notes=row["notes"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _parse_id(equipment_id: str) -> UUID:
    try:
        return UUID(equipment_id)
    except ValueError:
        raise NotFound(f"No security equipment {equipment_id}.") from None


async def create(conn: Connection, data: EquipmentCreate) -> EquipmentOut:
    row = await repository.insert(conn, uuid.uuid4(), data.model_dump())
    return to_out(row)


async def get(conn: Connection, equipment_id: str) -> EquipmentOut:
    row = await repository.get(conn, _parse_id(equipment_id))
    if row is None:
        raise NotFound(f"No security equipment {equipment_id}.")
    return to_out(row)


async def update(conn: Connection, equipment_id: str, data: EquipmentUpdate) -> EquipmentOut:
    changes = data.model_dump(exclude_unset=True)
    if changes.get("state", "") is None:
        del changes["state"]  # a state is required; null leaves it as it is
    row = await repository.update(conn, _parse_id(equipment_id), changes)
    if row is None:
        raise NotFound(f"No security equipment {equipment_id}.")
    return to_out(row)


async def delete(conn: Connection, equipment_id: str) -> None:
    if not await repository.delete(conn, _parse_id(equipment_id)):
        raise NotFound(f"No security equipment {equipment_id}.")


async def list_for(
    conn: Connection, charge_point_id: str | None, kind: str | None, limit: int, offset: int
) -> list[EquipmentOut]:
    rows = await repository.list_for(conn, charge_point_id, kind, limit, offset)
    return [to_out(row) for row in rows]


async def public_safety(conn: Connection, charge_point_id: str) -> StationSafety:
    """A known, not retired station's working safety features; 404 for anything else."""
    station = await stations.get(conn, charge_point_id)
    if station is None or station.approval == "retired":
        raise NotFound(f"No station {charge_point_id}.")
    working = await repository.working_kinds(conn, charge_point_id)
    return StationSafety(
        charge_point_id=charge_point_id,
        lit="security_lighting" in working,
        camera_monitored="surveillance_camera" in working,
        emergency_stop="emergency_stop_button" in working,
        fenced="fencing_or_bollards" in working,
        fire_extinguisher="fire_extinguisher" in working,
    )
