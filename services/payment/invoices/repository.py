"""Every SQL statement of invoices, their lines, payments (charge attempts) and refunds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

INVOICE_COLUMNS = """id, number, user_id, session_id, charge_point_id, connector_id, id_tag,
    session_started_at, session_stopped_at, charging_ended_at, energy_wh, tariff_id, currency,
    vat_rate_bp, subtotal_minor, vat_minor, total_minor, status, amount_paid_minor,
    amount_refunded_minor, failed_attempts, next_attempt_at, last_payment_error, issued_at,
    paid_at"""
PAYMENT_COLUMNS = """id, invoice_id, attempt, payment_method_id, stripe_payment_intent_id,
    stripe_charge_id, status, amount_minor, currency, failure_code, failure_message, created_at,
    updated_at"""


async def insert_invoice(conn: Connection, values: dict[str, Any]) -> asyncpg.Record | None:
    """None when the session already has its invoice (a redelivered session.stopped)."""
    return await conn.fetchrow(
        f"""insert into invoices
               (number, user_id, session_id, charge_point_id, connector_id, id_tag,
                session_started_at, session_stopped_at, charging_ended_at, energy_wh, tariff_id,
                currency, vat_rate_bp, subtotal_minor, vat_minor, total_minor, status,
                next_attempt_at, paid_at)
            values ('LAD-' || lpad(nextval('invoice_numbers')::text, 7, '0'),
                    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                    $18)
            on conflict (session_id) do nothing
            returning {INVOICE_COLUMNS}""",  # noqa: S608
        values["user_id"],
        values["session_id"],
        values["charge_point_id"],
        values["connector_id"],
        values["id_tag"],
        values["session_started_at"],
        values["session_stopped_at"],
        values["charging_ended_at"],
        values["energy_wh"],
        values["tariff_id"],
        values["currency"],
        values["vat_rate_bp"],
        values["subtotal_minor"],
        values["vat_minor"],
        values["total_minor"],
        values["status"],
        values["next_attempt_at"],
        values["paid_at"],
    )


async def session_invoiced(conn: Connection, session_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "select exists (select 1 from invoices where session_id = $1)", session_id
        )
    )


async def insert_lines(conn: Connection, invoice_id: UUID, lines: Sequence[dict[str, Any]]) -> None:
    if not lines:
        return
    await conn.executemany(
        """insert into invoice_lines (invoice_id, position, component, description, quantity,
                                      unit, unit_price_minor, amount_minor)
           values ($1, $2, $3, $4, $5, $6, $7, $8)""",
        [
            (
                invoice_id,
                position,
                line["component"],
                line["description"],
                line["quantity"],
                line["unit"],
                line["unit_price_minor"],
                line["amount_minor"],
            )
            for position, line in enumerate(lines, start=1)
        ],
    )


async def get_invoice(
    conn: Connection, invoice_id: UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(
        f"select {INVOICE_COLUMNS} from invoices where id = $1{lock}",  # noqa: S608
        invoice_id,
    )


async def list_invoices(
    conn: Connection, *, user_id: str | None, status: str | None, limit: int, offset: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {INVOICE_COLUMNS} from invoices
             where ($1::text is null or user_id = $1) and ($2::text is null or status = $2)
             order by issued_at desc, id limit $3 offset $4""",  # noqa: S608
        user_id,
        status,
        limit,
        offset,
    )


async def lines_of(conn: Connection, invoice_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select component, description, quantity, unit, unit_price_minor, amount_minor
             from invoice_lines where invoice_id = $1 order by position""",
        invoice_id,
    )


async def payments_of(conn: Connection, invoice_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"select {PAYMENT_COLUMNS} from payments where invoice_id = $1 order by attempt",  # noqa: S608
        invoice_id,
    )


async def refunds_of(conn: Connection, invoice_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select id, stripe_refund_id, amount_minor, currency, reason, status, created_at
             from refunds where invoice_id = $1 order by created_at, id""",
        invoice_id,
    )


async def due_invoices(conn: Connection, limit: int) -> list[UUID]:
    rows = await conn.fetch(
        """select id from invoices where status = 'open' and next_attempt_at <= now()
            order by next_attempt_at limit $1""",
        limit,
    )
    return [row["id"] for row in rows]


# -- payments (charge attempts) -----------------------------------------------------------------


async def unfinished_payment(conn: Connection, invoice_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""select {PAYMENT_COLUMNS} from payments
             where invoice_id = $1 and status in ('creating', 'created', 'processing')
             order by attempt desc limit 1""",  # noqa: S608
        invoice_id,
    )


async def insert_payment(
    conn: Connection, invoice: asyncpg.Record, payment_method_id: str
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""insert into payments (invoice_id, attempt, payment_method_id, status, amount_minor,
                                  currency)
            values ($1, (select coalesce(max(attempt), 0) + 1 from payments where invoice_id = $1),
                    $2, 'creating', $3, $4)
            returning {PAYMENT_COLUMNS}""",  # noqa: S608
        invoice["id"],
        payment_method_id,
        invoice["total_minor"] - invoice["amount_paid_minor"],
        invoice["currency"],
    )
    assert row is not None
    return row


async def set_payment_intent(conn: Connection, payment_id: UUID, intent_id: str) -> None:
    await conn.execute(
        """update payments set stripe_payment_intent_id = $2, status = 'created', updated_at = now()
            where id = $1 and status = 'creating'""",
        payment_id,
        intent_id,
    )


async def payment_by_intent(
    conn: Connection, intent_id: str, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(
        f"select {PAYMENT_COLUMNS} from payments where stripe_payment_intent_id = $1{lock}",  # noqa: S608
        intent_id,
    )


async def get_payment(
    conn: Connection, payment_id: UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(
        f"select {PAYMENT_COLUMNS} from payments where id = $1{lock}",  # noqa: S608
        payment_id,
    )


async def update_payment(
    conn: Connection,
    payment_id: UUID,
    *,
    status: str,
    charge_id: str | None,
    failure_code: str | None,
    failure_message: str | None,
) -> None:
    await conn.execute(
        """update payments set status = $2, stripe_charge_id = coalesce($3, stripe_charge_id),
                  failure_code = $4, failure_message = $5, updated_at = now()
            where id = $1""",
        payment_id,
        status,
        charge_id,
        failure_code,
        failure_message,
    )


async def succeeded_payment(conn: Connection, invoice_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""select {PAYMENT_COLUMNS} from payments
             where invoice_id = $1 and status = 'succeeded' order by attempt desc limit 1""",  # noqa: S608
        invoice_id,
    )


async def mark_paid(conn: Connection, invoice_id: UUID, amount_minor: int) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""update invoices set status = 'paid', amount_paid_minor = amount_paid_minor + $2,
                   paid_at = now(), next_attempt_at = null, updated_at = now()
             where id = $1 returning {INVOICE_COLUMNS}""",  # noqa: S608
        invoice_id,
        amount_minor,
    )
    assert row is not None
    return row


async def record_failure(
    conn: Connection, invoice_id: UUID, error: str, next_attempt_at: datetime | None
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""update invoices set failed_attempts = failed_attempts + 1, last_payment_error = $2,
                   next_attempt_at = $3, updated_at = now()
             where id = $1 returning {INVOICE_COLUMNS}""",  # noqa: S608
        invoice_id,
        error,
        next_attempt_at,
    )
    assert row is not None
    return row


async def postpone(conn: Connection, invoice_id: UUID, next_attempt_at: datetime) -> None:
    await conn.execute(
        "update invoices set next_attempt_at = $2, updated_at = now() where id = $1",
        invoice_id,
        next_attempt_at,
    )


# -- refunds ------------------------------------------------------------------------------------


async def insert_refund(conn: Connection, values: dict[str, Any]) -> bool:
    """False when Stripe's refund is already recorded (a webhook after our own call)."""
    return bool(
        await conn.fetchval(
            """insert into refunds (invoice_id, payment_id, stripe_refund_id, amount_minor,
                                    currency, reason, requested_by, status)
               values ($1, $2, $3, $4, $5, $6, $7, $8)
               on conflict (stripe_refund_id) do nothing returning true""",
            values["invoice_id"],
            values["payment_id"],
            values["stripe_refund_id"],
            values["amount_minor"],
            values["currency"],
            values["reason"],
            values["requested_by"],
            values["status"],
        )
    )


async def refund_count(conn: Connection, invoice_id: UUID) -> int:
    return int(
        await conn.fetchval("select count(*) from refunds where invoice_id = $1", invoice_id)
    )


async def raise_refunded(conn: Connection, invoice_id: UUID, amount_minor: int) -> asyncpg.Record:
    """Refunded amounts only grow: the larger of what is stored and what Stripe says wins."""
    row = await conn.fetchrow(
        f"""update invoices set amount_refunded_minor = greatest(amount_refunded_minor, $2),
                   updated_at = now()
             where id = $1 returning {INVOICE_COLUMNS}""",  # noqa: S608
        invoice_id,
        amount_minor,
    )
    assert row is not None
    return row
