"""The reminder before a booking's window: a periodic job over the upcoming bookings."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from services.notifications.deliveries.decisions import derived_event_id, tell_driver
from services.notifications.reminders import repository
from services.notifications.settings import Settings
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)


async def remind_once(runtime: ServiceRuntime, settings: Settings) -> int:
    async with runtime.transaction() as conn:
        due = await repository.take_due(conn, settings.reminder_lead_s)
        for booking in due:
            context: dict[str, Any] = {
                "reservation_id": booking.reservation_id,
                "charge_point_id": booking.charge_point_id,
                "connector_id": booking.connector_id,
                "starts_at": booking.starts_at.isoformat(),
                "ends_at": booking.ends_at.isoformat(),
            }
            event_id = derived_event_id(
                "booking-reminder", booking.reservation_id, booking.starts_at.isoformat()
            )
            await tell_driver(conn, event_id, booking.user_id, "booking-reminder", context)
        await repository.forget_past(conn)
    return len(due)


async def run_reminders(runtime: ServiceRuntime, settings: Settings) -> None:
    while True:
        try:
            await remind_once(runtime, settings)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an outage: try again at the next tick
            log.warning("notifications.reminders.failed", error=repr(exc))
        await asyncio.sleep(settings.reminder_check_interval_s)
