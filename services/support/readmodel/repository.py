"""Every SQL statement of the read model (sessions, reservations, invoices, charge points)."""

from __future__ import annotations

import asyncpg

from shared.db import Connection
from shared.events.booking import ReservationEvent
from shared.events.charging import SessionStarted, SessionStopped
from shared.events.payment import InvoiceEvent


async def session_started(conn: Connection, event: SessionStarted) -> None:
    await conn.execute(
        """insert into sessions (session_id, user_id, charge_point_id, connector_id, started_at)
           values ($1, $2, $3, $4, $5)
           on conflict (session_id) do nothing""",
        event.session_id,
        event.user_id,
        event.charge_point_id,
        event.connector_id,
        event.started_at,
    )


async def session_stopped(conn: Connection, event: SessionStopped) -> None:
    await conn.execute(
        """insert into sessions (session_id, user_id, charge_point_id, connector_id, started_at,
                                 stopped_at, energy_wh, stop_reason)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           on conflict (session_id) do update set
               user_id = coalesce(excluded.user_id, sessions.user_id),
               stopped_at = excluded.stopped_at, energy_wh = excluded.energy_wh,
               stop_reason = excluded.stop_reason""",
        event.session_id,
        event.user_id,
        event.charge_point_id,
        event.connector_id,
        event.started_at,
        event.stopped_at,
        event.energy_wh,
        event.stop_reason,
    )


async def reservation_changed(conn: Connection, event: ReservationEvent) -> None:
    """Every reservation event carries the whole picture; an older one never wins."""
    await conn.execute(
        """insert into reservations (reservation_id, user_id, charge_point_id, connector_id,
                                     starts_at, ends_at, status, at)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           on conflict (reservation_id) do update set
               user_id = excluded.user_id, charge_point_id = excluded.charge_point_id,
               connector_id = excluded.connector_id, starts_at = excluded.starts_at,
               ends_at = excluded.ends_at, status = excluded.status, at = excluded.at
           where reservations.at <= excluded.at""",
        event.reservation_id,
        event.user_id,
        event.charge_point_id,
        event.connector_id,
        event.starts_at,
        event.ends_at,
        event.status,
        event.at,
    )


async def invoice_changed(conn: Connection, event: InvoiceEvent, failure_code: str | None) -> None:
    await conn.execute(
        """insert into invoices (invoice_id, number, user_id, session_id, charge_point_id,
                                 currency, total_minor, status, amount_paid_minor,
                                 amount_refunded_minor, failure_code, at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           on conflict (invoice_id) do update set
               number = excluded.number, user_id = excluded.user_id,
               session_id = excluded.session_id, charge_point_id = excluded.charge_point_id,
               currency = excluded.currency, total_minor = excluded.total_minor,
               status = excluded.status, amount_paid_minor = excluded.amount_paid_minor,
               amount_refunded_minor = excluded.amount_refunded_minor,
               failure_code = coalesce(excluded.failure_code, invoices.failure_code),
               at = excluded.at
           where invoices.at <= excluded.at""",
        event.invoice_id,
        event.number,
        event.user_id,
        event.session_id,
        event.charge_point_id,
        event.currency,
        event.total_minor,
        event.status,
        event.amount_paid_minor,
        event.amount_refunded_minor,
        failure_code,
        event.at,
    )


async def charge_point_changed(conn: Connection, charge_point_id: str, approval: str) -> None:
    await conn.execute(
        """insert into charge_points (charge_point_id, approval) values ($1, $2)
           on conflict (charge_point_id) do update set approval = excluded.approval""",
        charge_point_id,
        approval,
    )


async def session(conn: Connection, session_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select session_id, user_id, charge_point_id, connector_id, started_at, stopped_at,
                  energy_wh, stop_reason from sessions where session_id = $1""",
        session_id,
    )


async def reservation(conn: Connection, reservation_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select reservation_id, user_id, charge_point_id, connector_id, starts_at, ends_at,
                  status from reservations where reservation_id = $1""",
        reservation_id,
    )


async def invoice(conn: Connection, invoice_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select invoice_id, number, user_id, session_id, charge_point_id, currency,
                  total_minor, status, amount_paid_minor, amount_refunded_minor, failure_code
             from invoices where invoice_id = $1""",
        invoice_id,
    )


async def charge_point_known(conn: Connection, charge_point_id: str) -> bool:
    """A charger on the registry (retired ones too: a driver may report a dead station), or
    one a session ran on (the registry event may still be on its way)."""
    return bool(
        await conn.fetchval(
            """select exists (select 1 from charge_points where charge_point_id = $1)
                   or exists (select 1 from sessions where charge_point_id = $1)""",
            charge_point_id,
        )
    )


async def forget_user(conn: Connection, user_id: str) -> None:
    for table in ("sessions", "reservations", "invoices"):
        await conn.execute(f"update {table} set user_id = null where user_id = $1", user_id)  # noqa: S608
