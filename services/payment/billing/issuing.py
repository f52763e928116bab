"""session.stopped -> a priced invoice (one per session), published on payment.invoices.v1."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from services.payment.invoices import repository
from services.payment.subscriptions import coverage
from services.payment.tariffs import service as tariffs
from services.payment.tariffs.pricing import Price, SessionFacts, price_session
from shared.db import Connection
from shared.events.charging import SessionStopped
from shared.events.payment import InvoiceEvent, InvoiceIssued
from shared.outbox import enqueue

log = structlog.get_logger(__name__)
SOURCE = "payment"
COLLECT_CHANNEL = "payment_collect"


async def publish_invoice(
    conn: Connection, event_type: type[InvoiceEvent], row: asyncpg.Record, **extra: Any
) -> None:
    payload = event_type(
        invoice_id=str(row["id"]),
        number=row["number"],
        user_id=row["user_id"],
        session_id=row["session_id"],
        charge_point_id=row["charge_point_id"],
        currency=row["currency"],
        subtotal_minor=row["subtotal_minor"],
        vat_minor=row["vat_minor"],
        total_minor=row["total_minor"],
        status=row["status"],
        amount_paid_minor=row["amount_paid_minor"],
        amount_refunded_minor=row["amount_refunded_minor"],
        at=datetime.now(UTC),
        **extra,
    )
    await enqueue(conn, payload, source=SOURCE, subject=str(row["id"]))


def _status(user_id: str | None, price: Price, prepaid: bool) -> str:
    if prepaid:
        return "paid" if price.total_minor == 0 else "open"  # the hold pays it
    if user_id is None:
        return "recorded"  # nobody to charge (roaming later, free chargers now)
    return "paid" if price.total_minor == 0 else "open"


async def bill_session(
    conn: Connection,
    stopped: SessionStopped,
    default_currency: str,
    default_vat_bp: int,
    *,
    prepaid: bool = False,
) -> asyncpg.Record | None:
    """Price with the tariff in force at the session's start; None if already invoiced.

    `prepaid`: a hold pays the invoice (its capture), so the collector leaves it alone.
    """
    if await repository.session_invoiced(conn, stopped.session_id):
        # The same stop under a new event id: checked first so it takes no invoice number
        # (the unique session_id still decides if two arrive at once).
        log.info("payment.invoice.already_issued", session_id=stopped.session_id)
        return None
    tariff = await tariffs.in_force(
        conn, stopped.charge_point_id, stopped.connector_id, stopped.started_at
    )
    facts = SessionFacts(
        started_at=stopped.started_at,
        stopped_at=stopped.stopped_at,
        energy_wh=stopped.energy_wh,
        charging_ended_at=stopped.charging_ended_at,
    )
    if tariff is not None:
        price = price_session(tariffs.terms_of(tariff), facts)
        price = await coverage.cover(conn, stopped, price)  # a subscription's share
    else:
        # No tariff anywhere for this connector: free charging, recorded with zero lines.
        price = Price(default_currency, default_vat_bp, [], 0, 0, 0)
    status = _status(stopped.user_id, price, prepaid)
    now = datetime.now(UTC)
    row = await repository.insert_invoice(
        conn,
        {
            "user_id": stopped.user_id,
            "session_id": stopped.session_id,
            "charge_point_id": stopped.charge_point_id,
            "connector_id": stopped.connector_id,
            "id_tag": stopped.id_tag,
            "session_started_at": stopped.started_at,
            "session_stopped_at": stopped.stopped_at,
            "charging_ended_at": stopped.charging_ended_at,
            "energy_wh": stopped.energy_wh,
            "tariff_id": tariff.id if tariff else None,
            "currency": price.currency,
            "vat_rate_bp": price.vat_rate_bp,
            "subtotal_minor": price.subtotal_minor,
            "vat_minor": price.vat_minor,
            "total_minor": price.total_minor,
            "status": status,
            "next_attempt_at": now if status == "open" and not prepaid else None,
            "paid_at": now if status == "paid" else None,
        },
    )
    if row is None:
        log.info("payment.invoice.already_issued", session_id=stopped.session_id)
        return None
    lines: list[dict[str, Any]] = [
        {
            "component": line.component,
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price_minor": line.unit_price_minor,
            "amount_minor": line.amount_minor,
        }
        for line in price.lines
    ]
    await repository.insert_lines(conn, row["id"], lines)
    await publish_invoice(conn, InvoiceIssued, row)
    if status == "open" and not prepaid:
        # Delivered on commit: the collector charges it at once instead of at its next poll.
        await conn.execute("select pg_notify($1, $2)", COLLECT_CHANNEL, str(row["id"]))
    log.info(
        "payment.invoice.issued",
        invoice_id=str(row["id"]),
        session_id=stopped.session_id,
        total_minor=price.total_minor,
        status=status,
    )
    return row
