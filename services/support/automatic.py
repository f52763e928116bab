"""Automatic tickets: a driver's session that ended abnormally, or a payment that failed,
opens a ticket for them (when the operator enabled it), linked to the session.

One ticket per session ever: the ticket's `automatic_key` is unique (`session:<id>`, or
`invoice:<id>` for an invoice without a session), so a redelivered event, a second replica, or
a failed payment after an emergency stop of the same session all leave the one ticket.
"""

from __future__ import annotations

from datetime import datetime

from services.support.tickets.service import Tickets
from shared.db import Connection
from shared.events.charging import SessionStopped
from shared.events.payment import InvoicePaymentFailed


async def session_stopped(
    conn: Connection, tickets: Tickets, event: SessionStopped, now: datetime
) -> bool:
    settings = tickets.settings
    if not settings.automatic_tickets or event.user_id is None:
        return False
    if event.stop_reason not in settings.abnormal_stop_reasons:
        return False
    row = await tickets.create(
        conn,
        driver_id=event.user_id,
        category="charging_problem",
        subject=f"Your charging session stopped unexpectedly ({event.stop_reason})",
        description=(
            f"Your session at {event.charge_point_id} (connector {event.connector_id}) ended "
            f"at {event.stopped_at.isoformat()} with the reason {event.stop_reason}, after "
            f"{event.energy_wh} Wh. We opened this ticket to look into it; reply here if you "
            "need help."
        ),
        now=now,
        session_id=event.session_id,
        charge_point_id=event.charge_point_id,
        automatic_key=f"session:{event.session_id}",
    )
    return row is not None


async def payment_failed(
    conn: Connection, tickets: Tickets, event: InvoicePaymentFailed, now: datetime
) -> bool:
    settings = tickets.settings
    if not settings.automatic_tickets or event.user_id is None:
        return False
    key = f"session:{event.session_id}" if event.session_id else f"invoice:{event.invoice_id}"
    row = await tickets.create(
        conn,
        driver_id=event.user_id,
        category="payment_invoice",
        subject=f"The payment of invoice {event.number} failed",
        description=(
            f"We could not charge invoice {event.number} "
            f"({event.total_minor} minor units of {event.currency}): {event.failure_code}. "
            "Please check your payment method; reply here if you need help."
        ),
        now=now,
        session_id=event.session_id,
        charge_point_id=event.charge_point_id,
        invoice_id=event.invoice_id,
        automatic_key=key,
    )
    return row is not None
