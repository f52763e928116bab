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


# The charge points in scope, their connectors, and per connector the period minus every
# holding reservation and maintenance window (multirange arithmetic). $1 ids, $2 site, $3-$6 box,
# $7-$8 period, $9 limit.
_FREE_CTES = """
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
),
connectors as (
    select f.charge_point_id, f.connector_id, f.free,
           coalesce(s.status, s0.status) as status, s.status as own_status,
           s0.status as charger_status,
           coalesce(s.status, '') not in ('Faulted', 'Unavailable')
             and coalesce(s0.status, '') not in ('Faulted', 'Unavailable') as in_service
      from free f
      left join connector_states s on s.charge_point_id = f.charge_point_id
                                  and s.connector_id = f.connector_id
      left join connector_states s0 on s0.charge_point_id = f.charge_point_id
                                   and s0.connector_id = 0
)"""

_FREE = (
    _FREE_CTES
    + """
select cps.id, cps.ocpp_version, cps.connectors, cps.site_name, cps.address, cps.latitude,
       cps.longitude, cps.online, c.connector_id, c.own_status as status, c.charger_status,
       c.free
  from cps
  join connectors c on c.charge_point_id = cps.id
 order by cps.id, c.connector_id
"""
)

# The availability view as one JSON document built by PostgreSQL: free windows aligned to the
# slot ($11 s) from the earliest bookable start ($10), times formatted in the session's time
# zone (set to the requested zone) with its offset at each instant. $12 is the zone's name.
_LOCAL = "'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'"
_DOCUMENT = (
    _FREE_CTES  # noqa: S608  (constant SQL text; every value is a bind parameter)
    + f""",
aligned as (
    select c.charge_point_id, c.connector_id,
           date_bin(make_interval(secs => $11),
                    greatest(lower(r), $10) + make_interval(secs => $11)
                      - interval '1 microsecond',
                    'epoch') as starts_at,
           date_bin(make_interval(secs => $11), upper(r), 'epoch') as ends_at
      from connectors c cross join lateral unnest(c.free) as r
     where c.in_service
),
kept as (
    select * from aligned where ends_at - starts_at >= make_interval(secs => $11)
),
-- Aligned windows share few distinct boundaries (at most one per slot): format each once.
labels as (
    select t, to_char(t, {_LOCAL}) as label
      from (select starts_at as t from kept union select ends_at from kept) as boundaries
),
windows as (
    select k.charge_point_id, k.connector_id,
           json_agg(json_build_object('starts_at', ls.label, 'ends_at', le.label)
                    order by k.starts_at) as free
      from kept k
      join labels ls on ls.t = k.starts_at
      join labels le on le.t = k.ends_at
     group by k.charge_point_id, k.connector_id
),
per_charge_point as (
    select c.charge_point_id,
           json_agg(json_build_object('connector_id', c.connector_id, 'status', c.status,
                                      'in_service', c.in_service,
                                      'free', coalesce(w.free, '[]'::json))
                    order by c.connector_id) as connectors
      from connectors c
      left join windows w on w.charge_point_id = c.charge_point_id
                         and w.connector_id = c.connector_id
     group by c.charge_point_id
)
select json_build_object(
           'time_zone', $12::text,
           'period_start', to_char($7::timestamptz, {_LOCAL}),
           'period_end', to_char($8::timestamptz, {_LOCAL}),
           'slot_s', $11::int,
           'earliest_start', to_char($10::timestamptz, {_LOCAL}),
           'charge_points', coalesce(
               (select json_agg(json_build_object(
                           'charge_point_id', cps.id, 'ocpp_version', cps.ocpp_version,
                           'site_name', cps.site_name, 'address', cps.address,
                           'latitude', cps.latitude, 'longitude', cps.longitude,
                           'online', cps.online,
                           'connectors', coalesce(p.connectors, '[]'::json))
                        order by cps.id)
                  from cps left join per_charge_point p on p.charge_point_id = cps.id),
               '[]'::json))::text
"""  # noqa: S608
)


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


async def availability_document(
    conn: Connection,
    scope: Scope,
    starts_at: datetime,
    ends_at: datetime,
    *,
    earliest: datetime,
    slot_s: float,
    time_zone: str,
    limit: int,
) -> str:
    """The JSON text of the availability view (see `_DOCUMENT`); needs a transaction."""
    await conn.execute("select set_config('TimeZone', $1, true)", time_zone)
    document: str = await conn.fetchval(
        _DOCUMENT,
        scope.charge_point_ids,
        scope.site_name,
        scope.min_lat,
        scope.min_lon,
        scope.max_lat,
        scope.max_lon,
        starts_at,
        ends_at,
        limit,
        earliest,
        slot_s,
        time_zone,
    )
    return document
