"""A failed off-session charge is retried on the schedule; after the last try the invoice stays
open (the driver owes it) until the driver pays from the app."""

from __future__ import annotations

from tests.helpers.polling import eventually
from tests.payment.support import (
    PaymentService,
    create_tariff,
    invoice_of_session,
    new_driver,
    publish_session_stopped,
    save_card,
    successful_charges,
)

SETTINGS = {"charge_retry_schedule_s": (0.5, 1.0)}


async def test_retries_follow_the_schedule_then_stop(payment: PaymentService, topic: str) -> None:
    await create_tariff(payment, charge_point_ids=["RETRY-CP"])
    user_id, headers = new_driver()
    await save_card(payment, headers, card="pm_card_chargeCustomerFail")
    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id="RETRY-CP")

    async def schedule_exhausted() -> bool:
        invoice = await invoice_of_session(payment, stopped.session_id)
        return invoice is not None and invoice["failed_attempts"] == 3

    # First try, then one retry after 0.5 s and one after 1 s: three attempts in all.
    await eventually(schedule_exhausted, timeout=30)
    row = await payment.db.fetchrow(
        "select status, next_attempt_at from invoices where session_id = $1", stopped.session_id
    )
    assert row["status"] == "open" and row["next_attempt_at"] is None
    attempts = await payment.db.fetch(
        "select p.attempt, p.status, p.failure_code from payments p "
        "join invoices i on i.id = p.invoice_id "
        "where i.session_id = $1 order by attempt",
        stopped.session_id,
    )
    assert [(a["attempt"], a["status"], a["failure_code"]) for a in attempts] == [
        (1, "failed", "card_declined"),
        (2, "failed", "card_declined"),
        (3, "failed", "card_declined"),
    ]
    assert await successful_charges(payment.db, user_id) == []
    standing = (await payment.http.get("/v1/payment-methods/standing", headers=headers)).json()
    assert standing["has_overdue_invoice"] is True
