"""Free windows per connector: the period minus bookings, blocks and maintenance, for connectors
in service on approved charge points, from the earliest bookable slot on, aligned to slots."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg

from services.booking.availability.repository import Scope, availability_document, free_time
from services.booking.timeslots import ceil_slot, floor_slot
from shared.db import Connection
from shared.problems import Invalid

# OCPP 1.6 ChargePointStatus / 2.0.1 ConnectorStatus values that offer nothing.
OUT_OF_SERVICE = frozenset({"Faulted", "Unavailable"})


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


@dataclass(frozen=True)
class ConnectorFree:
    connector_id: int
    status: str | None
    in_service: bool
    free: list[Window]


@dataclass
class ChargePointFree:
    charge_point_id: str
    ocpp_version: str
    site_name: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    online: bool
    connectors: list[ConnectorFree] = field(default_factory=list)


def in_service(status: str | None, charger_status: str | None) -> bool:
    return status not in OUT_OF_SERVICE and charger_status not in OUT_OF_SERVICE


def _aligned(
    ranges: list[asyncpg.Range[datetime]], slot: timedelta, earliest: datetime
) -> list[Window]:
    windows: list[Window] = []
    for free in ranges:
        # The period is bounded, so every free range is too.
        assert free.lower is not None and free.upper is not None
        start = ceil_slot(max(free.lower, earliest), slot)
        end = floor_slot(free.upper, slot)
        if end - start >= slot:
            windows.append(Window(start, end))
    return windows


async def free_windows(
    conn: Connection,
    scope: Scope,
    starts_at: datetime,
    ends_at: datetime,
    *,
    slot: timedelta,
    earliest: datetime,
    limit: int,
) -> list[ChargePointFree]:
    charge_points: dict[str, ChargePointFree] = {}
    for row in await free_time(conn, scope, starts_at, ends_at, limit):
        cp = charge_points.get(row["id"])
        if cp is None:
            cp = charge_points[row["id"]] = ChargePointFree(
                row["id"],
                row["ocpp_version"],
                row["site_name"],
                row["address"],
                row["latitude"],
                row["longitude"],
                row["online"],
            )
        serving = in_service(row["status"], row["charger_status"])
        cp.connectors.append(
            ConnectorFree(
                row["connector_id"],
                row["status"] or row["charger_status"],
                serving,
                _aligned(row["free"], slot, earliest) if serving else [],
            )
        )
    return list(charge_points.values())


def fits(window: Window, free: list[Window]) -> bool:
    return any(f.starts_at <= window.starts_at and window.ends_at <= f.ends_at for f in free)


def _without(free: list[Window], taken: list[Window]) -> list[Window]:
    """Free windows minus windows already offered to someone else."""
    for offered in taken:
        rest: list[Window] = []
        for window in free:
            if offered.ends_at <= window.starts_at or window.ends_at <= offered.starts_at:
                rest.append(window)
                continue
            if window.starts_at < offered.starts_at:
                rest.append(Window(window.starts_at, offered.starts_at))
            if offered.ends_at < window.ends_at:
                rest.append(Window(offered.ends_at, window.ends_at))
        free = rest
    return free


def nearest_start(
    free: list[Window], wanted: Window, slot: timedelta, taken: list[Window]
) -> datetime | None:
    """The aligned start nearest to the wanted one at which its duration fits a free window
    not yet offered to someone else."""
    duration = wanted.duration
    best: datetime | None = None
    for window in _without(free, taken):
        earliest = ceil_slot(window.starts_at, slot)
        latest = floor_slot(window.ends_at - duration, slot)
        if latest < earliest:
            continue
        candidate = min(max(floor_slot(wanted.starts_at, slot), earliest), latest)
        if best is None or abs(candidate - wanted.starts_at) < abs(best - wanted.starts_at):
            best = candidate
    return best


async def view(
    conn: Connection,
    scope: Scope,
    starts_at: datetime,
    ends_at: datetime,
    *,
    slot: timedelta,
    earliest: datetime,
    time_zone: str,
    limit: int,
) -> str:
    """The availability view as JSON (an `AvailabilityOut`), computed and serialised by
    PostgreSQL: for a map of a thousand chargers, building and encoding tens of thousands of
    window objects in Python took several times longer than the query itself."""
    try:
        return await availability_document(
            conn,
            scope,
            starts_at,
            ends_at,
            earliest=earliest,
            slot_s=slot.total_seconds(),
            time_zone=time_zone,
            limit=limit,
        )
    except asyncpg.InvalidParameterValueError:
        raise Invalid(f"Unknown time zone {time_zone!r}.", rule="time_zone") from None
