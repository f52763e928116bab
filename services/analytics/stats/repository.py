"""Queries over the read models (all SQL of the figures lives here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.db import Connection

# One charge point, several, or all (None).
ChargePoints = str | Sequence[str] | None


def _ids(charge_points: ChargePoints) -> list[str] | None:
    if charge_points is None:
        return None
    return [charge_points] if isinstance(charge_points, str) else list(charge_points)


async def sessions_between(
    conn: Connection,
    start: datetime,
    end: datetime,
    currency: str,
    charge_point_id: ChargePoints = None,
) -> list[dict[str, Any]]:
    """Sessions that overlap [start, end) (started, or still plugged in, in it), with revenue."""
    rows = await conn.fetch(
        """select s.session_id, s.charge_point_id, s.connector_id, s.user_id, s.started_at,
                   s.stopped_at, coalesce(s.charging_ended_at, s.stopped_at) as charging_until,
                   s.energy_wh, (
                   -- an invoice's current state is its latest event; it earns its total
                   -- less refunds, unless void
                   select coalesce(sum(l.total_minor - l.amount_refunded_minor), 0)::bigint
                     from (select distinct on (i.invoice_id) i.total_minor,
                                  i.amount_refunded_minor, i.status, i.currency
                             from invoice_events i
                            where i.session_id = s.session_id
                            order by i.invoice_id, i.at desc, i.event_id desc) l
                    where l.status <> 'void' and l.currency = $3) as revenue_minor
              from sessions s
             where s.started_at < $2 and s.stopped_at > $1
               and ($4::text[] is null or s.charge_point_id = any($4::text[]))""",
        start,
        end,
        currency,
        _ids(charge_point_id),
    )
    return [dict(row) for row in rows]


async def connectors(conn: Connection, charge_point_id: ChargePoints) -> list[tuple[str, int]]:
    """Every connector known: from the registry, the status history and the sessions."""
    rows = await conn.fetch(
        """select charge_point_id, generate_series(1, connectors) as connector_id
             from charge_points where $1::text[] is null or charge_point_id = any($1::text[])
           union
           select distinct charge_point_id, connector_id from connector_status
            where connector_id > 0 and ($1::text[] is null or charge_point_id = any($1::text[]))
           union
           select distinct charge_point_id, connector_id from sessions
            where $1::text[] is null or charge_point_id = any($1::text[])
           order by 1, 2""",
        _ids(charge_point_id),
    )
    return [(row["charge_point_id"], row["connector_id"]) for row in rows]


async def status_history(
    conn: Connection, start: datetime, end: datetime, charge_point_id: ChargePoints
) -> list[dict[str, Any]]:
    """Status changes in [start, end), and each connector's last one before `start`."""
    rows = await conn.fetch(
        """select * from (
               select distinct on (charge_point_id, connector_id)
                      charge_point_id, connector_id, status, error_code, at, event_id
                 from connector_status
                where at < $1 and ($3::text[] is null or charge_point_id = any($3::text[]))
                order by charge_point_id, connector_id, at desc, event_id desc) before
           union all
           select charge_point_id, connector_id, status, error_code, at, event_id
             from connector_status
            where at >= $1 and at < $2 and ($3::text[] is null or charge_point_id = any($3::text[]))""",
        start,
        end,
        _ids(charge_point_id),
    )
    return [dict(row) for row in rows]


async def link_history(
    conn: Connection, start: datetime, end: datetime, charge_point_id: ChargePoints
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """select * from (
               select distinct on (charge_point_id) charge_point_id, online, at, event_id
                 from charger_links
                where at < $1 and ($3::text[] is null or charge_point_id = any($3::text[]))
                order by charge_point_id, at desc, event_id desc) before
           union all
           select charge_point_id, online, at, event_id from charger_links
            where at >= $1 and at < $2 and ($3::text[] is null or charge_point_id = any($3::text[]))""",
        start,
        end,
        _ids(charge_point_id),
    )
    return [dict(row) for row in rows]


async def sessions_of_user(
    conn: Connection, user_id: str, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """select s.charge_point_id, s.started_at, s.stopped_at,
                  coalesce(s.charging_ended_at, s.stopped_at) as charging_until, s.energy_wh,
                  c.site_name, c.address
             from sessions s left join charge_points c using (charge_point_id)
            where s.user_id = $1
              and ($2::timestamptz is null or s.started_at >= $2)
              and ($3::timestamptz is null or s.started_at < $3)""",
        user_id,
        start,
        end,
    )
    return [dict(row) for row in rows]


async def invoices_of_user(conn: Connection, user_id: str, currency: str) -> list[dict[str, Any]]:
    """Each invoice of the driver in `currency`: issued when, and what it costs now."""
    rows = await conn.fetch(
        """select first_at, total_minor - amount_refunded_minor as net_minor from (
               select distinct on (invoice_id) invoice_id, total_minor, amount_refunded_minor,
                      status, currency,
                      min(at) over (partition by invoice_id) as first_at
                 from invoice_events where user_id = $1
                order by invoice_id, at desc, event_id desc) l
            where status <> 'void' and currency = $2""",
        user_id,
        currency,
    )
    return [dict(row) for row in rows]


async def heat_map(
    conn: Connection, start: datetime, end: datetime, tz: str
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """select extract(isodow from started_at at time zone $3)::int as weekday,
                  extract(hour from started_at at time zone $3)::int as hour,
                  count(*) as sessions, coalesce(sum(energy_wh), 0)::bigint as energy_wh
             from sessions where started_at >= $1 and started_at < $2
            group by 1, 2""",
        start,
        end,
        tz,
    )
    return [dict(row) for row in rows]


async def sites(conn: Connection) -> dict[str, str | None]:
    rows = await conn.fetch("select charge_point_id, site_name from charge_points")
    return {row["charge_point_id"]: row["site_name"] for row in rows}


async def bookings_between(
    conn: Connection, start: datetime, end: datetime, charge_point_id: ChargePoints
) -> list[dict[str, Any]]:
    """Drivers' bookings whose window starts in [start, end), each in its latest state."""
    rows = await conn.fetch(
        """select * from (
               select distinct on (reservation_id) reservation_id, kind, charge_point_id,
                      connector_id, starts_at, status
                 from reservation_events
                where starts_at >= $1 and starts_at < $2
                  and ($3::text[] is null or charge_point_id = any($3::text[]))
                order by reservation_id, at desc, event_id desc) latest
            where kind = 'booking'""",
        start,
        end,
        _ids(charge_point_id),
    )
    return [dict(row) for row in rows]


# -- accounts, standings, tickets, alerts ------------------------------------------------------


async def registrations(conn: Connection, start: datetime, end: datetime) -> list[datetime]:
    """When each account with the driver role registered, within [start, end)."""
    rows = await conn.fetch(
        """select registered_at from users
            where driver and registered_at >= $1 and registered_at < $2""",
        start,
        end,
    )
    return [row["registered_at"] for row in rows]


async def deletions(conn: Connection, start: datetime, end: datetime) -> list[datetime]:
    rows = await conn.fetch(
        "select deleted_at from users where deleted_at >= $1 and deleted_at < $2", start, end
    )
    return [row["deleted_at"] for row in rows]


async def standings(
    conn: Connection, user_ids: list[str], before: datetime
) -> list[dict[str, Any]]:
    """The payment standings of these drivers before an instant, in time order per driver."""
    rows = await conn.fetch(
        """select user_id, subscription_active, at from account_standings
            where user_id = any($1::text[]) and at < $2
            order by user_id, at, event_id""",
        user_ids,
        before,
    )
    return [dict(row) for row in rows]


async def tickets_opened(
    conn: Connection, start: datetime, end: datetime, charge_point_id: str | None
) -> list[dict[str, Any]]:
    """Tickets about a charge point opened within [start, end), in their latest state."""
    rows = await conn.fetch(
        """select charge_point_id, category, origin, status, created_at, sla_breached
             from tickets
            where charge_point_id is not null and created_at >= $1 and created_at < $2
              and ($3::text is null or charge_point_id = $3)""",
        start,
        end,
        charge_point_id,
    )
    return [dict(row) for row in rows]


async def alerts_opened(
    conn: Connection, start: datetime, end: datetime, charge_point_id: str | None
) -> list[dict[str, Any]]:
    """Alerts of a charge point opened within [start, end), with when each was resolved."""
    rows = await conn.fetch(
        """select charge_point_id, kind, severity, opened_at, resolved_at from alerts
            where charge_point_id is not null and opened_at >= $1 and opened_at < $2
              and ($3::text is null or charge_point_id = $3)""",
        start,
        end,
        charge_point_id,
    )
    return [dict(row) for row in rows]


async def incidents_per_charge_point(
    conn: Connection, start: datetime, end: datetime
) -> dict[str, tuple[int, int]]:
    """(tickets, alerts) opened within [start, end), per charge point."""
    rows = await conn.fetch(
        """select charge_point_id, sum(tickets)::int as tickets, sum(alerts)::int as alerts
             from (select charge_point_id, 1 as tickets, 0 as alerts from tickets
                    where created_at >= $1 and created_at < $2
                   union all
                   select charge_point_id, 0, 1 from alerts
                    where opened_at >= $1 and opened_at < $2) both_kinds
            where charge_point_id is not null
            group by charge_point_id""",
        start,
        end,
    )
    return {row["charge_point_id"]: (row["tickets"], row["alerts"]) for row in rows}
