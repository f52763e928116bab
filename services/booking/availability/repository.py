"""Every SQL statement of availability: free time per connector as a multirange, in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from shared.db import Connection


@dataclass(frozen=True)
class Scope:
    """Which charge points: by ids, by site, or inside a box (degrees); any combination."""

    charge_point_ids: list[str] | None = None
    site_name: str | None = None
    min_lat: float | None = None
    min_lon: float | None = None
    max_lat: float | None = None
    max_lon: float | None = None


# Per connector: its status (and connector 0's), and the period minus every holding reservation
# and maintenance window, computed by PostgreSQL with multirange arithmetic.
_FREE = """
with cps as (
    select id, ocpp_version, connectors, site_name, address, latitude, longitude, online
      from charge_points
     where approval = 'approved'
       and ($1::text[] is null or id = any($1::text[]))
       and ($2::text is null or site_name = $2)
       and ($3::float8 is null or latitude between $3 and $5)
       and ($4::float8 is null or longitude between $4 and $6)
     order by id
     limit $9
),
conns as (
    select cps.id as charge_point_id, g.n as connector_id
      from cps cross join lateral generate_series(1, cps.connectors) as g(n)
),
busy as (
    select r.charge_point_id, r.connector_id, r.during
      from reservations r
     where r.charge_point_id in (select id from cps)
       and r.status in ('confirmed', 'active', 'fulfilled')
       and r.during && tstzrange($7, $8, '[)')
    union all
    select c.charge_point_id, c.connector_id, m.during
      from maintenance_windows m
      join conns c on c.charge_point_id = m.charge_point_id
                  and (m.connector_id is null or m.connector_id = c.connector_id)
     where m.during && tstzrange($7, $8, '[)')
),
free as (
    select c.charge_point_id, c.connector_id,
           tstzmultirange(tstzrange($7, $8, '[)'))
             - coalesce(range_agg(b.during), '{}'::tstzmultirange) as free
      from conns c
      left join busy b on b.charge_point_id = c.charge_point_id
                      and b.connector_id = c.connector_id
     group by c.charge_point_id, c.connector_id
)
select cps.id, cps.ocpp_version, cps.connectors, cps.site_name, cps.address, cps.latitude,
       cps.longitude, cps.online, f.connector_id, s.status, s0.status as charger_status,
       f.free
  from cps
  join free f on f.charge_point_id = cps.id
  left join connector_states s on s.charge_point_id = cps.id and s.connector_id = f.connector_id
  left join connector_states s0 on s0.charge_point_id = cps.id and s0.connector_id = 0
 order by cps.id, f.connector_id
"""


async def free_time(
    conn: Connection, scope: Scope, starts_at: datetime, ends_at: datetime, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        _FREE,
        scope.charge_point_ids,
        scope.site_name,
        scope.min_lat,
        scope.min_lon,
        scope.max_lat,
        scope.max_lon,
        starts_at,
        ends_at,
        limit,
    )


async def maintenance_overlapping(
    conn: Connection,
    charge_point_id: str,
    connector_id: int,
    starts_at: datetime,
    ends_at: datetime,
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select lower(during) as starts_at, upper(during) as ends_at from maintenance_windows
            where charge_point_id = $1 and (connector_id is null or connector_id = $2)
              and during && tstzrange($3, $4, '[)')
            order by lower(during) limit 1""",
        charge_point_id,
        connector_id,
        starts_at,
        ends_at,
    )
