"""The reservation's events on `booking.reservations.v1`, written to the outbox with its change."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.booking.timeslots import now
from shared.db import Connection
from shared.events.booking import ReservationEvent
from shared.outbox import enqueue

SOURCE = "booking"


async def publish(
    conn: Connection, event: type[ReservationEvent], row: asyncpg.Record, **extra: Any
) -> None:
    """Enqueue `event` for the reservation as it now is (keyed by charge point: ordered per connector)."""
    payload = event(
        reservation_id=str(row["id"]),
        ocpp_reservation_id=row["ocpp_reservation_id"],
        kind=row["kind"],
        user_id=row["user_id"],
        charge_point_id=row["charge_point_id"],
        connector_id=row["connector_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        status=row["status"],
        charger_hold=row["charger_hold"],
        at=now(),
        **extra,
    )
    await enqueue(conn, payload, source=SOURCE, subject=str(row["id"]), key=row["charge_point_id"])
