"""Every SQL statement of the booking holds mirror."""

from __future__ import annotations

from datetime import datetime

from shared.db import Connection


async def upsert(
    conn: Connection,
    *,
    reservation_id: str,
    charge_point_id: str,
    connector_id: int,
    user_id: str | None,
    starts_at: datetime,
    ends_at: datetime,
    holding: bool,
    at: datetime,
) -> None:
    """Keep the latest picture of a reservation; an older event changes nothing."""
    await conn.execute(
        """insert into booking_holds (reservation_id, charge_point_id, connector_id, user_id,
                                      during, holding, updated_at)
           values ($1, $2, $3, $4, tstzrange($5, $6, '[)'), $7, $8)
           on conflict (reservation_id) do update set
               charge_point_id = excluded.charge_point_id, connector_id = excluded.connector_id,
               user_id = excluded.user_id, during = excluded.during, holding = excluded.holding,
               updated_at = excluded.updated_at
             where booking_holds.updated_at <= excluded.updated_at""",
        reservation_id,
        charge_point_id,
        connector_id,
        user_id,
        starts_at,
        ends_at,
        holding,
        at,
    )


async def held_for_someone_else(
    conn: Connection, charge_point_id: str, connector_id: int, user_id: str | None
) -> bool:
    """True when the connector is held now, and not (also) for this user."""
    held = await conn.fetchval(
        """select coalesce(bool_or(user_id is distinct from $3), false)
                  and not coalesce(bool_or(user_id = $3), false)
             from booking_holds
            where charge_point_id = $1 and connector_id = $2 and holding
              and during @> now()""",
        charge_point_id,
        connector_id,
        user_id,
    )
    return bool(held)
