"""Every SQL statement of the read models (charge points, connector status, id-tokens)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from shared.db import Connection

CHARGE_POINT = """id, ocpp_version, connectors, approval, site_name, address, latitude,
                  longitude, online"""


async def upsert_charge_point(
    conn: Connection,
    *,
    charge_point_id: str,
    ocpp_version: str,
    connectors: int,
    approval: str,
    site_name: str | None,
    address: str | None,
    latitude: float | None,
    longitude: float | None,
) -> asyncpg.Record | None:
    """Returns the previous approval and connector count (None for a new charge point)."""
    previous = await conn.fetchrow(
        "select approval, connectors from charge_points where id = $1 for update", charge_point_id
    )
    await conn.execute(
        """insert into charge_points (id, ocpp_version, connectors, approval, site_name, address,
                                      latitude, longitude, online, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8,
                   coalesce((select online from charge_point_presence
                              where charge_point_id = $1), false),
                   now())
           on conflict (id) do update set ocpp_version = excluded.ocpp_version,
               connectors = excluded.connectors, approval = excluded.approval,
               site_name = excluded.site_name, address = excluded.address,
               latitude = excluded.latitude, longitude = excluded.longitude, updated_at = now()""",
        charge_point_id,
        ocpp_version,
        connectors,
        approval,
        site_name,
        address,
        latitude,
        longitude,
    )
    return previous


async def set_online(
    conn: Connection, charge_point_id: str, online: bool, changed_at: datetime
) -> bool:
    """Record a presence report, known charge point or not yet; an older report than the one
    recorded changes nothing. True when it was recorded."""
    recorded: bool = await conn.fetchval(
        """with presence as (
               insert into charge_point_presence (charge_point_id, online, changed_at)
               values ($1, $2, $3)
               on conflict (charge_point_id) do update
                   set online = excluded.online, changed_at = excluded.changed_at
                 where charge_point_presence.changed_at <= excluded.changed_at
               returning online),
           copied as (
               update charge_points cp set online = presence.online, updated_at = now()
                 from presence where cp.id = $1)
           select exists (select from presence)""",
        charge_point_id,
        online,
        changed_at,
    )
    return recorded


async def charge_point(conn: Connection, charge_point_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {CHARGE_POINT} from charge_points where id = $1",  # noqa: S608
        charge_point_id,
    )


async def set_connector_status(
    conn: Connection, charge_point_id: str, connector_id: int, status: str, changed_at: datetime
) -> str | None:
    """Record the latest status; returns the previous one. Older reports change nothing."""
    previous: str | None = await conn.fetchval(
        "select status from connector_states where charge_point_id = $1 and connector_id = $2",
        charge_point_id,
        connector_id,
    )
    await conn.execute(
        """insert into connector_states (charge_point_id, connector_id, status, changed_at)
           values ($1, $2, $3, $4)
           on conflict (charge_point_id, connector_id) do update
               set status = excluded.status, changed_at = excluded.changed_at
             where connector_states.changed_at <= excluded.changed_at""",
        charge_point_id,
        connector_id,
        status,
        changed_at,
    )
    return previous


async def upsert_id_token(
    conn: Connection, uid: str, kind: str, user_id: str | None, decision: str
) -> None:
    await conn.execute(
        """insert into driver_id_tokens (uid, kind, user_id, decision, updated_at)
           values ($1, $2, $3, $4, now())
           on conflict (uid) do update set kind = excluded.kind, user_id = excluded.user_id,
               decision = excluded.decision, updated_at = now()""",
        uid,
        kind,
        user_id,
        decision,
    )


async def id_token(conn: Connection, uid: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select uid, kind, user_id, decision from driver_id_tokens where uid = $1", uid
    )


async def accepted_token_of(conn: Connection, user_id: str) -> str | None:
    """The driver's token for ReserveNow: an accepted RFID card first, the newest first."""
    uid: str | None = await conn.fetchval(
        """select uid from driver_id_tokens where user_id = $1 and decision = 'Accepted'
            order by (kind = 'rfid') desc, updated_at desc, uid limit 1""",
        user_id,
    )
    return uid


async def charge_points_near(
    conn: Connection, charge_point_id: str, site_name: str | None, radius_km: float
) -> Sequence[asyncpg.Record]:
    """Approved charge points at the same site or within the radius, nearest first."""
    return await conn.fetch(
        f"""with origin as (select latitude, longitude from charge_points where id = $1)
            select {", ".join("cp." + c.strip() for c in CHARGE_POINT.split(","))}
              from charge_points cp, origin o
             where cp.id <> $1 and cp.approval = 'approved'
               and ((cp.site_name is not distinct from $2 and $2 is not null)
                    or (cp.latitude is not null and o.latitude is not null
                        and 6371 * 2 * asin(sqrt(power(sin(radians(cp.latitude - o.latitude) / 2), 2)
                            + cos(radians(o.latitude)) * cos(radians(cp.latitude))
                            * power(sin(radians(cp.longitude - o.longitude) / 2), 2))) <= $3))
             order by (cp.site_name is not distinct from $2) desc,
                      abs(cp.latitude - o.latitude) + abs(cp.longitude - o.longitude) nulls last,
                      cp.id
             limit 20""",  # noqa: S608
        charge_point_id,
        site_name,
        radius_km,
    )


async def charge_point_for_booking(
    conn: Connection,
    charge_point_id: str,
    connector_id: int,
    starts_at: datetime,
    ends_at: datetime,
) -> asyncpg.Record | None:
    """The charge point, the connector's and the charger's status, and the first maintenance
    window overlapping the booking, in one round trip."""
    return await conn.fetchrow(
        f"""select {CHARGE_POINT},
                   (select status from connector_states
                     where charge_point_id = cp.id and connector_id = $2) as connector_status,
                   (select status from connector_states
                     where charge_point_id = cp.id and connector_id = 0) as charger_status,
                   m.starts_at as maintenance_starts_at, m.ends_at as maintenance_ends_at
              from charge_points cp
              left join lateral (
                  select lower(during) as starts_at, upper(during) as ends_at
                    from maintenance_windows
                   where charge_point_id = cp.id and (connector_id is null or connector_id = $2)
                     and during && tstzrange($3, $4, '[)')
                   order by lower(during) limit 1) m on true
             where cp.id = $1""",  # noqa: S608
        charge_point_id,
        connector_id,
        starts_at,
        ends_at,
    )
