"""Batch writers of the read models: one multi-row insert (unnest of arrays) per table.

Every insert is idempotent: keyed by the event id, or by the fact's natural key (a session's
id, a charge point's id with the newer registry entry winning).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from uuid import UUID

from shared.db import Connection
from shared.events.booking import ReservationEvent
from shared.events.chargepoints import ChargePointRegistered, ConnectorStatusChanged
from shared.events.charging import SessionStopped
from shared.events.payment import InvoiceEvent


def connector_of(event: SessionStopped | ConnectorStatusChanged) -> int:
    """The connector as booking and operations name it: 1.6's connectorId, 2.0.1's EVSE."""
    return event.evse_id if event.evse_id is not None else event.connector_id


async def record_processed(conn: Connection, consumer: str, event_ids: Sequence[UUID]) -> set[UUID]:
    """The ids of the batch this consumer sees for the first time (the rest are re-deliveries)."""
    rows = await conn.fetch(
        "insert into inbox (consumer, event_id) select $1, unnest($2::uuid[]) "
        "on conflict do nothing returning event_id",
        consumer,
        list(event_ids),
    )
    return {row["event_id"] for row in rows}


async def insert_sessions(conn: Connection, stops: Sequence[SessionStopped]) -> None:
    await conn.execute(
        """insert into sessions (session_id, charge_point_id, connector_id, user_id, started_at,
                                 stopped_at, charging_ended_at, energy_wh, stop_reason)
           select * from unnest($1::text[], $2::text[], $3::int[], $4::text[],
                                $5::timestamptz[], $6::timestamptz[], $7::timestamptz[],
                                $8::bigint[], $9::text[])
           on conflict (session_id) do nothing""",
        [s.session_id for s in stops],
        [s.charge_point_id for s in stops],
        [connector_of(s) for s in stops],
        [s.user_id for s in stops],
        [s.started_at for s in stops],
        [s.stopped_at for s in stops],
        [s.charging_ended_at for s in stops],
        [s.energy_wh for s in stops],
        [s.stop_reason for s in stops],
    )


async def insert_statuses(
    conn: Connection, statuses: Sequence[tuple[UUID, ConnectorStatusChanged]]
) -> None:
    await conn.execute(
        """insert into connector_status (event_id, charge_point_id, connector_id, status,
                                         error_code, at)
           select * from unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[],
                                $6::timestamptz[])
           on conflict (event_id) do nothing""",
        [event_id for event_id, _ in statuses],
        [s.charge_point_id for _, s in statuses],
        [connector_of(s) for _, s in statuses],
        [s.status for _, s in statuses],
        [s.error_code for _, s in statuses],
        [s.at for _, s in statuses],
    )


async def insert_links(conn: Connection, links: Sequence[tuple[UUID, str, bool, object]]) -> None:
    """(event id, charge point, online, at) of connected / disconnected events."""
    await conn.execute(
        """insert into charger_links (event_id, charge_point_id, online, at)
           select * from unnest($1::uuid[], $2::text[], $3::bool[], $4::timestamptz[])
           on conflict (event_id) do nothing""",
        [link[0] for link in links],
        [link[1] for link in links],
        [link[2] for link in links],
        [link[3] for link in links],
    )


async def insert_invoice_events(
    conn: Connection, invoices: Sequence[tuple[UUID, InvoiceEvent]]
) -> None:
    await conn.execute(
        """insert into invoice_events (event_id, invoice_id, user_id, session_id,
                                       charge_point_id, currency, total_minor,
                                       amount_refunded_minor, status, at)
           select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                                $6::text[], $7::bigint[], $8::bigint[], $9::text[],
                                $10::timestamptz[])
           on conflict (event_id) do nothing""",
        [event_id for event_id, _ in invoices],
        [i.invoice_id for _, i in invoices],
        [i.user_id for _, i in invoices],
        [i.session_id for _, i in invoices],
        [i.charge_point_id for _, i in invoices],
        [i.currency for _, i in invoices],
        [i.total_minor for _, i in invoices],
        [i.amount_refunded_minor for _, i in invoices],
        [i.status for _, i in invoices],
        [i.at for _, i in invoices],
    )


async def upsert_charge_points(
    conn: Connection, entries: Sequence[tuple[object, ChargePointRegistered]]
) -> None:
    """(event time, registry entry), at most one per charge point; a newer entry wins."""
    await conn.execute(
        """insert into charge_points (charge_point_id, site_name, address, connectors, changed_at)
           select * from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[])
           on conflict (charge_point_id) do update
              set site_name = excluded.site_name, address = excluded.address,
                  connectors = excluded.connectors, changed_at = excluded.changed_at
            where charge_points.changed_at <= excluded.changed_at""",
        [e.charge_point_id for _, e in entries],
        [e.location.site_name for _, e in entries],
        [e.location.address for _, e in entries],
        [e.connectors for _, e in entries],
        [at for at, _ in entries],
    )


async def insert_reservation_events(
    conn: Connection, reservations: Sequence[tuple[UUID, ReservationEvent]]
) -> None:
    await conn.execute(
        """insert into reservation_events (event_id, reservation_id, kind, user_id,
                                           charge_point_id, connector_id, starts_at, status, at)
           select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                                $6::int[], $7::timestamptz[], $8::text[], $9::timestamptz[])
           on conflict (event_id) do nothing""",
        [event_id for event_id, _ in reservations],
        [r.reservation_id for _, r in reservations],
        [r.kind for _, r in reservations],
        [r.user_id for _, r in reservations],
        [r.charge_point_id for _, r in reservations],
        [r.connector_id for _, r in reservations],
        [r.starts_at for _, r in reservations],
        [r.status for _, r in reservations],
        [r.at for _, r in reservations],
    )


async def mark_stale(
    conn: Connection, days: Mapping[str, date], invoiced_sessions: Sequence[str], timezone: str
) -> None:
    """The daily rollups of these charge points are stale from these local days on (and from
    the start day of each invoiced session). Only days already rolled up are marked; the share
    lock on the rollup state makes the job's extension wait for this transaction (or this one
    see the extension), so no event falls between the two."""
    marked = sorted(days.items())
    await conn.execute(
        """with state as (select rolled_through from rollup_state for share),
                marks as (
                    select * from unnest($1::text[], $2::date[]) m(charge_point_id, day)
                    union all
                    select charge_point_id, (started_at at time zone $4)::date from sessions
                     where session_id = any($3::text[]))
           insert into rollup_dirty (charge_point_id, from_day)
           select charge_point_id, min(day) from marks, state
            where day <= state.rolled_through
            group by charge_point_id order by charge_point_id
           on conflict (charge_point_id) do update
              set from_day = least(rollup_dirty.from_day, excluded.from_day)""",
        [cp for cp, _ in marked],
        [day for _, day in marked],
        list(invoiced_sessions),
        timezone,
    )
