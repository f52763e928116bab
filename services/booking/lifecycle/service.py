"""Drives reservations through time, and records a driver's session as fulfilment.

confirmed -> active (window opens) -> fulfilled (the driver's session started on that connector)
or no_show (grace period passed); blocks end with their window. ReserveNow goes out
`reserve_ahead` before the window; a no-show's charger reservation is cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import structlog

from services.booking.charger import service as charger
from services.booking.lifecycle import repository
from services.booking.reservations import repository as reservations
from services.booking.reservations.events import publish
from services.booking.settings import Settings
from services.booking.timeslots import now
from shared.db import Connection
from shared.events.booking import (
    ReservationActivated,
    ReservationEnded,
    ReservationFulfilled,
    ReservationNoShow,
)
from shared.events.charging import SessionStarted

log = structlog.get_logger(__name__)
BATCH = 200

Transaction = Callable[[], AbstractAsyncContextManager[Connection]]


async def tick(conn: Connection, settings: Settings) -> int:
    """One pass over everything due; returns how many reservations moved."""
    at = now()
    moved = 0
    for row in await repository.due_for_reserve_now(conn, at, settings.reserve_ahead, BATCH):
        await charger.send_reserve_now(
            conn, row, requested_by=settings.service_account, timeout_s=settings.command_timeout_s
        )
        moved += 1
    for row in await repository.due_to_activate(conn, at, BATCH):
        await publish(conn, ReservationActivated, row)
        moved += 1
    for row in await repository.due_no_show(conn, at, settings.grace_period, BATCH):
        row = await charger.send_cancel(
            conn, row, requested_by=settings.service_account, timeout_s=settings.command_timeout_s
        )
        await publish(
            conn,
            ReservationNoShow,
            row,
            grace_s=int(settings.grace_period.total_seconds()),
            booked_duration_s=int((row["ends_at"] - row["starts_at"]).total_seconds()),
        )
        log.info("booking.reservation.no_show", reservation_id=str(row["id"]))
        moved += 1
    for row in await repository.due_to_end(conn, at, BATCH):
        await publish(conn, ReservationEnded, row)
        moved += 1
    return moved


async def run(transaction: Transaction, settings: Settings) -> None:
    """Tick forever; a failed pass (database outage) is retried on the next tick."""
    while True:
        try:
            async with transaction() as conn:
                await tick(conn, settings)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("booking.lifecycle.tick_failed", error=repr(exc))
        await asyncio.sleep(settings.tick_interval_s)


async def session_started(conn: Connection, event: SessionStarted, settings: Settings) -> None:
    if event.user_id is None:
        return
    connector_id = event.evse_id if event.evse_id is not None else event.connector_id
    row = await repository.booking_for_session(
        conn,
        event.charge_point_id,
        connector_id,
        event.user_id,
        event.started_at,
        settings.reserve_ahead,
        settings.grace_period,
    )
    if row is None:
        return
    fulfilled = await reservations.set_status(
        conn,
        row["id"],
        "fulfilled",
        from_statuses=("confirmed", "active"),
        session_id=event.session_id,
    )
    if fulfilled is not None:
        await publish(conn, ReservationFulfilled, fulfilled, session_id=event.session_id)
        log.info("booking.reservation.fulfilled", reservation_id=str(row["id"]))
