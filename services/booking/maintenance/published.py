"""Maintenance windows published by operations (`operations.alerts.v1`).

`maintenance-window.scheduled` (again with the same `window_id` when the window changes) and
`maintenance-window.ended` are applied by comparing them with what is stored, never by their
order of arrival: the scheduled event with the newest envelope time wins, an end is final (the
first one known stays), and an end that arrives before its schedule is kept until the schedule
comes. The effective window — the scheduled one cut at the end, open-ended while operations gave
no end — is a row of `maintenance_windows` (source `operations`), so availability and booking
refuse it exactly as an operator's window; an empty one (ended before it started) is removed.

Each time the effective window is written, the open bookings it overlaps are cancelled with
reason `maintenance` and each driver is offered the nearest free alternative (the cancellation
is published on `booking.reservations.v1`, and CancelReservation goes to a charger that may
hold it). A window that shrinks or ends frees its slots; cancelled bookings stay cancelled.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog

from services.booking.maintenance import repository
from services.booking.reservations.displace import displace
from services.booking.settings import Settings
from shared.db import Connection
from shared.events.operations import MaintenanceWindowEnded, MaintenanceWindowScheduled

log = structlog.get_logger(__name__)


async def on_scheduled(
    conn: Connection, event: MaintenanceWindowScheduled, event_at: datetime, settings: Settings
) -> None:
    state = await repository.save_scheduled(
        conn,
        window_id=event.window_id,
        work_order_id=event.work_order_id,
        charge_point_id=event.charge_point_id,
        connector_id=event.connector_id,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        event_at=event_at,
    )
    if state is None:
        log.info("booking.maintenance.stale_schedule", window_id=event.window_id)
        return
    await _apply(conn, state, settings)


async def on_ended(conn: Connection, event: MaintenanceWindowEnded, settings: Settings) -> None:
    state = await repository.save_ended(
        conn,
        window_id=event.window_id,
        work_order_id=event.work_order_id,
        charge_point_id=event.charge_point_id,
        connector_id=event.connector_id,
        ended_at=event.ended_at,
    )
    await _apply(conn, state, settings)


def effective_end(state: asyncpg.Record) -> datetime | None:
    ends = [at for at in (state["ends_at"], state["ended_at"]) if at is not None]
    return min(ends) if ends else None


async def _apply(conn: Connection, state: asyncpg.Record, settings: Settings) -> None:
    window_id, starts_at, ends_at = state["window_id"], state["starts_at"], effective_end(state)
    if starts_at is None or (ends_at is not None and ends_at <= starts_at):
        await repository.remove_published(conn, window_id)
        log.info("booking.maintenance.window_cleared", window_id=window_id)
        return
    await repository.put_published(
        conn,
        window_id=window_id,
        charge_point_id=state["charge_point_id"],
        connector_id=state["connector_id"],
        starts_at=starts_at,
        ends_at=ends_at,
        reason=f"work order {state['work_order_id']}",
    )
    cancelled = await displace(
        conn,
        settings,
        charge_point_id=state["charge_point_id"],
        connector_id=state["connector_id"],
        starts_at=starts_at,
        ends_at=ends_at,
        reason="maintenance",
    )
    log.info(
        "booking.maintenance.window_applied",
        window_id=window_id,
        charge_point_id=state["charge_point_id"],
        connector_id=state["connector_id"],
        cancelled=len(cancelled),
    )
