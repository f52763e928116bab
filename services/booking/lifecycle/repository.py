"""Every SQL statement of the lifecycle: reservations due for their next step, locked so that
several replicas never take the same one."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from services.booking.reservations.repository import COLUMNS
from shared.db import Connection


async def due_for_reserve_now(
    conn: Connection, at: datetime, ahead: timedelta, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {COLUMNS} from reservations
             where kind = 'booking' and status in ('confirmed', 'active')
               and charger_hold = 'not_sent'
               and lower(during) - $2::interval <= $1 and upper(during) > $1
             order by lower(during) limit $3
             for update skip locked""",  # noqa: S608
        at,
        ahead,
        limit,
    )


async def due_to_activate(conn: Connection, at: datetime, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""update reservations set status = 'active', updated_at = now()
             where id in (select id from reservations
                           where status = 'confirmed' and lower(during) <= $1
                           order by lower(during) limit $2 for update skip locked)
         returning {COLUMNS}""",  # noqa: S608
        at,
        limit,
    )


async def due_no_show(
    conn: Connection, at: datetime, grace: timedelta, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""update reservations set status = 'no_show', updated_at = now()
             where id in (select id from reservations
                           where kind = 'booking' and status = 'active'
                             and least(lower(during) + $2::interval, upper(during)) <= $1
                           order by lower(during) limit $3 for update skip locked)
         returning {COLUMNS}""",  # noqa: S608
        at,
        grace,
        limit,
    )


async def due_to_end(conn: Connection, at: datetime, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""update reservations set status = 'ended', updated_at = now()
             where id in (select id from reservations
                           where kind = 'block' and status in ('confirmed', 'active')
                             and upper(during) <= $1
                           order by lower(during) limit $2 for update skip locked)
         returning {COLUMNS}""",  # noqa: S608
        at,
        limit,
    )


async def booking_for_session(
    conn: Connection,
    charge_point_id: str,
    connector_id: int,
    user_id: str,
    started_at: datetime,
    ahead: timedelta,
    grace: timedelta,
) -> asyncpg.Record | None:
    """The driver's open booking on that connector whose window the session started in
    (from when ReserveNow is sent until the grace period ends)."""
    return await conn.fetchrow(
        f"""select {COLUMNS} from reservations
             where charge_point_id = $1 and connector_id = $2 and user_id = $3
               and kind = 'booking' and status in ('confirmed', 'active')
               and lower(during) - $5::interval <= $4
               and $4 < least(lower(during) + $6::interval, upper(during))
             order by lower(during) limit 1
             for update""",  # noqa: S608
        charge_point_id,
        connector_id,
        user_id,
        started_at,
        ahead,
        grace,
    )
