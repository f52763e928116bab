"""Rules of reservations: who may book what, when; no double booking; cancelling.

Overlaps are refused by PostgreSQL's exclusion constraint on (charge point, connector, window);
"any connector" tries the connectors of the charge point inside the same transaction.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from uuid import UUID

import asyncpg
import structlog

from services.booking.availability.repository import Scope
from services.booking.availability.service import Window, fits, free_windows, in_service
from services.booking.charger import service as charger
from services.booking.network import repository as network
from services.booking.reservations import repository
from services.booking.reservations.events import publish
from services.booking.reservations.repository import Overlap
from services.booking.reservations.schemas import (
    BlockCreate,
    ReservationCreate,
    ReservationOut,
)
from services.booking.settings import Settings
from services.booking.timeslots import ceil_slot, check_window, floor_slot, now
from shared.auth.jwt import Principal
from shared.db import Connection
from shared.events.booking import AlternativeWindow, ReservationCancelled, ReservationConfirmed
from shared.problems import Conflict, Forbidden, Invalid, NotFound

log = structlog.get_logger(__name__)


def to_out(row: asyncpg.Record) -> ReservationOut:
    return ReservationOut(
        id=str(row["id"]),
        kind=row["kind"],
        user_id=row["user_id"],
        charge_point_id=row["charge_point_id"],
        connector_id=row["connector_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        status=row["status"],
        charger_hold=row["charger_hold"],
        charger_detail=row["charger_detail"],
        session_id=row["session_id"],
        cancel_reason=row["cancel_reason"],
        cancelled_late=row["cancelled_late"],
        alternative=AlternativeWindow.model_validate(row["alternative"])
        if row["alternative"]
        else None,
        note=row["note"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _conflict(window: tuple[datetime, datetime | None] | None, detail: str) -> Conflict:
    if window is None:
        return Conflict(detail)
    starts_at = window[0].isoformat()
    ends_at = window[1].isoformat() if window[1] is not None else None
    until = f"to {ends_at}" if ends_at is not None else "until further notice"
    return Conflict(
        f"{detail} It is taken from {starts_at} {until}.",
        conflicting_window={"starts_at": starts_at, "ends_at": ends_at},
    )


def _check_bookable(charge_point: asyncpg.Record | None, cp_id: str) -> asyncpg.Record:
    if charge_point is None or charge_point["approval"] == "retired":
        raise NotFound(f"No charge point {cp_id}.")
    if charge_point["approval"] != "approved":
        raise Conflict(f"Charge point {cp_id} is not approved for use yet.")
    return charge_point


async def _bookable_charge_point(conn: Connection, cp_id: str) -> asyncpg.Record:
    return _check_bookable(await network.charge_point(conn, cp_id), cp_id)


async def _bookable_connector(
    conn: Connection, cp_id: str, connector_id: int, window: Window
) -> asyncpg.Record:
    """The charge point, if that connector of it can be booked for the window."""
    found = await network.charge_point_for_booking(
        conn, cp_id, connector_id, window.starts_at, window.ends_at
    )
    charge_point = _check_bookable(found, cp_id)
    if connector_id > charge_point["connectors"]:
        raise NotFound(f"Charge point {cp_id} has no connector {connector_id}.")
    if not in_service(charge_point["connector_status"], charge_point["charger_status"]):
        raise Conflict(f"Connector {connector_id} of {cp_id} is out of service.")
    if charge_point["maintenance_starts_at"] is not None:
        raise _conflict(
            (charge_point["maintenance_starts_at"], charge_point["maintenance_ends_at"]),
            "The connector is under maintenance in that window.",
        )
    return charge_point


async def _candidates(
    conn: Connection, charge_point: asyncpg.Record, window: Window, settings: Settings
) -> list[int]:
    """Connectors of the charge point to try for "any connector": free ones first, shuffled so
    concurrent requests spread over them; the constraint has the last word."""
    found = await free_windows(
        conn,
        Scope(charge_point_ids=[charge_point["id"]]),
        window.starts_at,
        window.ends_at,
        slot=settings.slot,
        earliest=window.starts_at,
        limit=1,
    )
    connectors = found[0].connectors if found else []
    free = [c.connector_id for c in connectors if c.in_service and fits(window, c.free)]
    random.shuffle(free)
    return free


async def _insert_holding(
    conn: Connection,
    *,
    kind: str,
    user_id: str | None,
    id_tag: str | None,
    charge_point: asyncpg.Record,
    connectors: list[int],
    window: Window,
    note: str | None,
    created_by: str,
) -> asyncpg.Record:
    for connector_id in connectors:
        try:
            return await repository.insert(
                conn,
                reservation_id=uuid.uuid4(),
                kind=kind,
                user_id=user_id,
                id_tag=id_tag,
                charge_point_id=charge_point["id"],
                connector_id=connector_id,
                starts_at=window.starts_at,
                ends_at=window.ends_at,
                note=note,
                created_by=created_by,
            )
        except Overlap:
            continue
    if len(connectors) == 1:
        taken = await repository.conflicting_window(
            conn, charge_point["id"], connectors[0], window.starts_at, window.ends_at
        )
        raise _conflict(
            (taken["starts_at"], taken["ends_at"]) if taken is not None else None,
            f"Connector {connectors[0]} is already reserved in that window.",
        )
    raise Conflict(
        f"No connector of {charge_point['id']} is free from {window.starts_at.isoformat()} "
        f"to {window.ends_at.isoformat()}.",
        conflicting_window={
            "starts_at": window.starts_at.isoformat(),
            "ends_at": window.ends_at.isoformat(),
        },
    )


async def create_booking(
    conn: Connection, principal: Principal, data: ReservationCreate, settings: Settings
) -> ReservationOut:
    current = now()
    if principal.has_any(("operator", "admin")):
        if data.user_id is None:
            raise Invalid("Staff booking on behalf of a driver name the driver (user_id).")
        user_id = data.user_id
    else:
        if data.user_id is not None and data.user_id != principal.subject:
            raise Invalid("Drivers book for themselves (leave out user_id).")
        user_id = principal.subject
    starts_at, ends_at = check_window(
        data.starts_at,
        data.ends_at,
        slot=settings.slot,
        earliest=ceil_slot(current + settings.min_lead_time, settings.slot),
        latest_start=current + settings.max_advance,
        max_duration=settings.max_duration,
        current=current,
    )
    window = Window(starts_at, ends_at)
    if data.connector_id is not None:
        charge_point = await _bookable_connector(
            conn, data.charge_point_id, data.connector_id, window
        )
    else:
        charge_point = await _bookable_charge_point(conn, data.charge_point_id)
    if data.id_token is not None:
        token = await network.id_token(conn, data.id_token)
        if token is None or token["user_id"] != user_id or token["decision"] != "Accepted":
            raise Invalid("The id-token is not one of the driver's accepted tokens.")
    await repository.lock_driver(conn, user_id)
    if await repository.count_open_of(conn, user_id) >= settings.max_active_per_driver:
        raise Conflict(
            f"A driver may hold at most {settings.max_active_per_driver} upcoming bookings.",
            rule="max_active_per_driver",
        )
    if data.connector_id is not None:
        connectors = [data.connector_id]
    else:
        connectors = await _candidates(conn, charge_point, window, settings)
    row = await _insert_holding(
        conn,
        kind="booking",
        user_id=user_id,
        id_tag=data.id_token,
        charge_point=charge_point,
        connectors=connectors,
        window=window,
        note=None,
        created_by=principal.subject,
    )
    await publish(conn, ReservationConfirmed, row)
    log.info(
        "booking.reservation.confirmed",
        reservation_id=str(row["id"]),
        charge_point_id=row["charge_point_id"],
        connector_id=row["connector_id"],
    )
    return to_out(row)


async def create_block(
    conn: Connection, principal: Principal, data: BlockCreate, settings: Settings
) -> ReservationOut:
    current = now()
    starts_at, ends_at = check_window(
        data.starts_at,
        data.ends_at,
        slot=settings.slot,
        earliest=floor_slot(current, settings.slot),
        latest_start=current + settings.max_advance,
        max_duration=None,
        current=current,
    )
    window = Window(starts_at, ends_at)
    charge_point = await _bookable_charge_point(conn, data.charge_point_id)
    if data.connector_id > charge_point["connectors"]:
        raise NotFound(f"Charge point {charge_point['id']} has no connector {data.connector_id}.")
    row = await _insert_holding(
        conn,
        kind="block",
        user_id=data.user_id,
        id_tag=None,
        charge_point=charge_point,
        connectors=[data.connector_id],
        window=window,
        note=data.note,
        created_by=principal.subject,
    )
    await publish(conn, ReservationConfirmed, row)
    return to_out(row)


def _key(reservation_id: str) -> UUID:
    try:
        return UUID(reservation_id)
    except ValueError:
        raise NotFound(f"No reservation {reservation_id}.") from None


async def _visible(
    conn: Connection, principal: Principal, reservation_id: str, *, for_update: bool = False
) -> asyncpg.Record:
    row = await repository.get(conn, _key(reservation_id), for_update=for_update)
    if row is None or (not principal.is_staff and row["user_id"] != principal.subject):
        raise NotFound(f"No reservation {reservation_id}.")
    return row


async def get(conn: Connection, principal: Principal, reservation_id: str) -> ReservationOut:
    return to_out(await _visible(conn, principal, reservation_id))


async def list_for(
    conn: Connection,
    principal: Principal,
    *,
    charge_point_id: str | None,
    status: str | None,
    kind: str | None,
    user_id: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
    limit: int,
    offset: int,
) -> list[ReservationOut]:
    rows = await repository.list_(
        conn,
        user_id=user_id if principal.is_staff else principal.subject,
        charge_point_id=charge_point_id,
        status=status,
        kind=kind,
        starts_from=starts_from,
        starts_before=starts_before,
        limit=limit,
        offset=offset,
    )
    return [to_out(row) for row in rows]


async def cancel(
    conn: Connection, principal: Principal, reservation_id: str, settings: Settings
) -> ReservationOut:
    row = await _visible(conn, principal, reservation_id, for_update=True)
    if row["status"] not in ("confirmed", "active"):
        raise Conflict(f"The reservation is {row['status']}; it cannot be cancelled.")
    by_staff = principal.has_any(("operator", "admin"))
    if row["kind"] == "block" and not by_staff:
        raise Forbidden("Only operators cancel blocks.")
    late = (
        not by_staff
        and row["kind"] == "booking"
        and now() > row["starts_at"] - settings.cancellation_deadline
    )
    cancelled = await repository.cancel(
        conn, row["id"], reason="operator" if by_staff else "driver", late=late
    )
    assert cancelled is not None  # the row is locked and open
    return to_out(
        await release(conn, cancelled, settings, reason=cancelled["cancel_reason"], late=late)
    )


async def release(
    conn: Connection,
    row: asyncpg.Record,
    settings: Settings,
    *,
    reason: str,
    late: bool = False,
    alternative: AlternativeWindow | None = None,
) -> asyncpg.Record:
    """After a cancellation: tell the charger, publish the event."""
    row = await charger.send_cancel(
        conn, row, requested_by=settings.service_account, timeout_s=settings.command_timeout_s
    )
    await publish(
        conn, ReservationCancelled, row, reason=reason, late=late, alternative=alternative
    )
    log.info("booking.reservation.cancelled", reservation_id=str(row["id"]), reason=reason)
    return row
