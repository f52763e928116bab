"""Factories: what connectivity, payment and the registry publish, through the real topics,
waited for until support's read model has it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events.charging import SessionStopped
from shared.events.envelope import Envelope
from shared.events.payment import InvoiceIssued
from tests.support.harness import Support, publish, wait_for_row


def session_stopped(user_id: str, **overrides: Any) -> SessionStopped:
    stopped = datetime.now(UTC)
    values: dict[str, Any] = {
        "session_id": f"s-{uuid.uuid4().hex[:10]}",
        "charge_point_id": f"CP-{uuid.uuid4().hex[:6]}",
        "connector_id": 1,
        "transaction_id": uuid.uuid4().hex[:8],
        "id_tag": None,
        "user_id": user_id,
        "started_at": stopped - timedelta(minutes=40),
        "stopped_at": stopped,
        "duration_s": 2400,
        "energy_wh": 12_000,
        "stop_reason": "EVDisconnected",
    }
    values.update(overrides)
    return SessionStopped(**values)


async def create_session(svc: Support, user_id: str, **overrides: Any) -> tuple[str, Envelope]:
    event = session_stopped(user_id, **overrides)
    envelope = await publish(event, event.charge_point_id)
    await wait_for_row(svc, "select true from sessions where session_id = $1", event.session_id)
    return event.session_id, envelope


async def create_invoice(svc: Support, user_id: str, session_id: str | None = None) -> str:
    invoice_id = f"in-{uuid.uuid4().hex[:10]}"
    event = InvoiceIssued(
        invoice_id=invoice_id,
        number=f"L-{uuid.uuid4().hex[:6]}",
        user_id=user_id,
        session_id=session_id,
        charge_point_id=None,
        currency="SEK",
        subtotal_minor=8000,
        vat_minor=2000,
        total_minor=10000,
        status="open",
        amount_paid_minor=0,
        amount_refunded_minor=0,
        at=datetime.now(UTC),
    )
    await publish(event, invoice_id)
    await wait_for_row(svc, "select true from invoices where invoice_id = $1", invoice_id)
    return invoice_id
