"""Every SQL statement of the connectors read model (presence, status, bookings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.db import Connection


@dataclass(frozen=True)
class ConnectorNow:
    """The latest reports about one connector; None where nothing was heard."""

    online: bool | None
    status: str | None
    booked_for_someone_else: bool
    app_start_open: bool


async def set_presence(conn: Connection, cp_id: str, online: bool, at: datetime) -> None:
    await conn.execute(
        """insert into charger_presence (charge_point_id, online, changed_at) values ($1, $2, $3)
           on conflict (charge_point_id) do update
               set online = excluded.online, changed_at = excluded.changed_at
             where charger_presence.changed_at <= excluded.changed_at""",
        cp_id,
        online,
        at,
    )


async def set_status(
    conn: Connection, cp_id: str, connector_id: int, status: str, at: datetime
) -> None:
    await conn.execute(
        """insert into connector_states (charge_point_id, connector_id, status, changed_at)
           values ($1, $2, $3, $4)
           on conflict (charge_point_id, connector_id) do update
               set status = excluded.status, changed_at = excluded.changed_at
             where connector_states.changed_at <= excluded.changed_at""",
        cp_id,
        connector_id,
        status,
        at,
    )


async def set_reservation(
    conn: Connection,
    *,
    reservation_id: str,
    cp_id: str,
    connector_id: int,
    user_id: str | None,
    starts_at: datetime,
    ends_at: datetime,
    holding: bool,
    at: datetime,
) -> None:
    await conn.execute(
        """insert into reservation_holds (reservation_id, charge_point_id, connector_id, user_id,
                                          during, holding, updated_at)
           values ($1, $2, $3, $4, tstzrange($5, $6, '[)'), $7, $8)
           on conflict (reservation_id) do update set
               charge_point_id = excluded.charge_point_id, connector_id = excluded.connector_id,
               user_id = excluded.user_id, during = excluded.during, holding = excluded.holding,
               updated_at = excluded.updated_at
             where reservation_holds.updated_at <= excluded.updated_at""",
        reservation_id,
        cp_id,
        connector_id,
        user_id,
        starts_at,
        ends_at,
        holding,
        at,
    )


async def connector_now(
    conn: Connection, cp_id: str, connector_id: int, user_id: str
) -> ConnectorNow:
    row = await conn.fetchrow(
        """select (select online from charger_presence where charge_point_id = $1) as online,
                  (select status from connector_states
                    where charge_point_id = $1 and connector_id = $2) as status,
                  exists (select from reservation_holds
                           where charge_point_id = $1 and connector_id = $2 and holding
                             and during @> now() and user_id is distinct from $3) as booked,
                  exists (select from holds
                           where charge_point_id = $1 and connector_id = $2
                             and status in ('authorized', 'starting', 'charging')) as app_start""",
        cp_id,
        connector_id,
        user_id,
    )
    assert row is not None
    return ConnectorNow(
        online=row["online"],
        status=row["status"],
        booked_for_someone_else=bool(row["booked"]),
        app_start_open=bool(row["app_start"]),
    )
