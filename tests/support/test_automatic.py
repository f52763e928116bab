"""Automatic tickets against the real stack: an abnormal session end or a failed payment opens
one ticket for the driver, linked to the session; redelivery never makes a second."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.events.payment import InvoicePaymentFailed
from shared.events.topics import CHARGING_SESSIONS
from tests.support.harness import Support, auth, publish, publish_envelope, wait_for_row
from tests.support.seed import create_session

AGENT = auth("agent-1", "support")


async def _tickets_of_session(svc: Support, session_id: str) -> int:
    count: int = await svc.pool.fetchval(
        "select count(*) from tickets where session_id = $1", session_id
    )
    return count


def _payment_failed(user: str, session_id: str | None) -> InvoicePaymentFailed:
    invoice_id = f"in-{uuid.uuid4().hex[:10]}"
    return InvoicePaymentFailed(
        invoice_id=invoice_id,
        number="L-42",
        user_id=user,
        session_id=session_id,
        charge_point_id=None,
        currency="SEK",
        subtotal_minor=4000,
        vat_minor=1000,
        total_minor=5000,
        status="open",
        amount_paid_minor=0,
        amount_refunded_minor=0,
        at=datetime.now(UTC),
        failure_code="card_declined",
        failed_attempts=1,
        next_attempt_at=None,
    )


async def test_abnormal_end_opens_one_ticket_even_on_redelivery(support: Support) -> None:
    user = f"driver-{uuid.uuid4().hex[:8]}"
    charger = f"CP-{uuid.uuid4().hex[:6]}"
    session_id, envelope = await create_session(
        support, user, charge_point_id=charger, stop_reason="EmergencyStop"
    )
    await wait_for_row(support, "select true from tickets where session_id = $1", session_id)

    r = await support.http.get("/v1/support/tickets", headers=auth(user, "driver"))
    [ticket] = r.json()
    assert ticket["origin"] == "automatic" and ticket["category"] == "charging_problem"
    assert (
        ticket["links"]["session_id"] == session_id
        and ticket["links"]["charge_point_id"] == charger
    )
    staff = (await support.http.get(f"/v1/support/queue/{ticket['id']}", headers=AGENT)).json()
    assert (
        staff["priority"] == "high" and staff["linked"]["session"]["stop_reason"] == "EmergencyStop"
    )

    # The same event again, the same stop under a new event id, and the session's failed payment.
    await publish_envelope(envelope, CHARGING_SESSIONS.name, charger)
    await publish_envelope(
        envelope.model_copy(update={"id": uuid.uuid4()}), CHARGING_SESSIONS.name, charger
    )
    failed = _payment_failed(user, session_id)
    await publish(failed, failed.invoice_id)
    # A normal end and then a later abnormal one on the same charger (same partition, in order):
    # once the last has its ticket, the redeliveries before it were handled.
    normal, _ = await create_session(support, user, charge_point_id=charger)
    marker, _ = await create_session(
        support, user, charge_point_id=charger, stop_reason="EVCommunicationError"
    )
    await wait_for_row(support, "select true from tickets where session_id = $1", marker)
    await wait_for_row(
        support, "select true from invoices where invoice_id = $1", failed.invoice_id
    )

    assert await _tickets_of_session(support, session_id) == 1
    assert await _tickets_of_session(support, normal) == 0
    r = await support.http.get("/v1/support/tickets", headers=auth(user, "driver"))
    assert len(r.json()) == 2


async def test_failed_payment_without_a_session_opens_a_ticket_on_the_invoice(
    support: Support,
) -> None:
    user = f"driver-{uuid.uuid4().hex[:8]}"
    failed = _payment_failed(user, None)
    await publish(failed, failed.invoice_id)
    await wait_for_row(support, "select true from tickets where invoice_id = $1", failed.invoice_id)
    r = await support.http.get("/v1/support/tickets", headers=auth(user, "driver"))
    [ticket] = r.json()
    assert (
        ticket["category"] == "payment_invoice"
        and ticket["links"]["invoice_id"] == failed.invoice_id
    )
