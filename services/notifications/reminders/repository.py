"""Every SQL statement on `upcoming_reservations` (bookings to remind their driver of)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.db import Connection
from shared.events.booking import ReservationEvent


@dataclass(frozen=True)
class Upcoming:
    reservation_id: str
    user_id: str
    charge_point_id: str
    connector_id: int
    starts_at: datetime
    ends_at: datetime


async def upsert(conn: Connection, event: ReservationEvent) -> None:
    await conn.execute(
        """insert into upcoming_reservations
               (reservation_id, user_id, charge_point_id, connector_id, starts_at, ends_at)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (reservation_id) do update set
               charge_point_id = excluded.charge_point_id,
               connector_id = excluded.connector_id,
               reminded = upcoming_reservations.reminded
                          and upcoming_reservations.starts_at = excluded.starts_at,
               starts_at = excluded.starts_at, ends_at = excluded.ends_at""",
        event.reservation_id,
        event.user_id,
        event.charge_point_id,
        event.connector_id,
        event.starts_at,
        event.ends_at,
    )


async def remove(conn: Connection, reservation_id: str) -> None:
    await conn.execute(
        "delete from upcoming_reservations where reservation_id = $1", reservation_id
    )


async def take_due(conn: Connection, lead_s: float, limit: int = 200) -> list[Upcoming]:
    """Bookings starting within `lead_s` not yet reminded, marked reminded (one taker each)."""
    rows = await conn.fetch(
        """update upcoming_reservations set reminded = true
            where reservation_id in (
                select reservation_id from upcoming_reservations
                 where not reminded and starts_at > now()
                   and starts_at <= now() + $1::float8 * interval '1 second'
                 order by starts_at limit $2 for update skip locked)
        returning reservation_id, user_id, charge_point_id, connector_id, starts_at, ends_at""",
        lead_s,
        limit,
    )
    return [Upcoming(**dict(row)) for row in rows]


async def forget_past(conn: Connection) -> None:
    await conn.execute("delete from upcoming_reservations where ends_at < now()")


async def forget_user(conn: Connection, user_id: str) -> None:
    await conn.execute("delete from upcoming_reservations where user_id = $1", user_id)
