"""Booking's reservations as holds: a connector held for a driver's window refuses other tokens.

Booking owns *when* and *for whom* and publishes every change on `booking.reservations.v1`;
this mirror makes Authorize (StartTransaction / TransactionEvent) enforce it even when the
charger rejected ReserveNow, was offline, or has no Reservation feature.
"""

from __future__ import annotations

from services.connectivity.bookings import repository
from shared.db import Connection
from shared.events.booking import HOLDING, ReservationEvent


async def apply(conn: Connection, event: ReservationEvent) -> None:
    await repository.upsert(
        conn,
        reservation_id=event.reservation_id,
        charge_point_id=event.charge_point_id,
        connector_id=event.connector_id,
        user_id=event.user_id,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        holding=event.status in HOLDING,
        at=event.at,
    )


async def held_for_someone_else(
    conn: Connection, charge_point_id: str, connector_id: int, user_id: str | None
) -> bool:
    return await repository.held_for_someone_else(conn, charge_point_id, connector_id, user_id)
