"""Stripe webhooks signed the way Stripe signs them: verified, stored once, processed once."""

from __future__ import annotations

import time
import uuid

from tests.helpers.polling import eventually
from tests.payment.support import (
    PaymentService,
    create_tariff,
    invoice_of_session,
    new_driver,
    publish_session_stopped,
    save_card,
    sign,
    stripe_event,
)


async def post_event(payment: PaymentService, body: bytes, signature: str) -> int:
    response = await payment.http.post(
        "/v1/stripe/webhook",
        content=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    return response.status_code


async def stored(payment: PaymentService, event_id: str) -> int:
    return int(
        await payment.db.fetchval("select count(*) from stripe_events where id = $1", event_id)
    )


def unknown_intent_event(event_id: str) -> bytes:
    obj = {"id": "pi_" + uuid.uuid4().hex[:14], "object": "payment_intent", "status": "succeeded"}
    return stripe_event("payment_intent.succeeded", obj, id=event_id)


async def test_a_signed_event_is_stored_and_processed(payment: PaymentService) -> None:
    event_id = "evt_" + uuid.uuid4().hex[:16]
    body = unknown_intent_event(event_id)
    assert await post_event(payment, body, sign(body)) == 200
    row = await payment.db.fetchrow(
        "select processed_at, attempts from stripe_events where id = $1", event_id
    )
    assert row["processed_at"] is not None and row["attempts"] == 1


async def test_a_forged_signature_is_refused_and_nothing_stored(payment: PaymentService) -> None:
    event_id = "evt_" + uuid.uuid4().hex[:16]
    body = unknown_intent_event(event_id)
    assert await post_event(payment, body, sign(body, secret="whsec_forged")) == 400
    # A body changed after signing does not verify either.
    tampered = body.replace(b"succeeded", b"canceled")
    assert await post_event(payment, tampered, sign(body)) == 400
    assert await post_event(payment, body, "") == 400
    assert await stored(payment, event_id) == 0


async def test_a_stale_timestamp_is_refused(payment: PaymentService) -> None:
    event_id = "evt_" + uuid.uuid4().hex[:16]
    body = unknown_intent_event(event_id)
    old = int(time.time()) - payment.settings.stripe_webhook_tolerance_s - 60
    assert await post_event(payment, body, sign(body, timestamp=old)) == 400
    assert await stored(payment, event_id) == 0


async def test_a_replay_is_acknowledged_but_processed_once(payment: PaymentService) -> None:
    user_id, headers = new_driver()
    saved = await save_card(payment, headers)
    event_id = "evt_" + uuid.uuid4().hex[:16]
    body = stripe_event(
        "payment_method.detached", {"id": saved["id"], "object": "payment_method"}, id=event_id
    )
    first = await payment.http.post(
        "/v1/stripe/webhook", content=body, headers={"Stripe-Signature": sign(body)}
    )
    assert first.json() == {"received": True, "duplicate": False}
    assert (await payment.http.get("/v1/payment-methods", headers=headers)).json() == []
    outbox_before = await payment.db.fetchval("select count(*) from stripe_events")

    replay = await payment.http.post(
        "/v1/stripe/webhook", content=body, headers={"Stripe-Signature": sign(body)}
    )
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert await payment.db.fetchval("select count(*) from stripe_events") == outbox_before
    row = await payment.db.fetchrow("select attempts from stripe_events where id = $1", event_id)
    assert row["attempts"] == 1
    assert user_id


async def _paid_invoice(payment: PaymentService, topic: str) -> tuple[dict[str, object], str]:
    user_id, headers = new_driver()
    await save_card(payment, headers)
    await create_tariff(payment, charge_point_ids=["WH-CP"])
    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id="WH-CP")

    async def paid() -> bool:
        invoice = await invoice_of_session(payment, stopped.session_id)
        return invoice is not None and invoice["status"] == "paid"

    await eventually(paid, timeout=60)
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None
    intent = await payment.db.fetchval(
        "select stripe_payment_intent_id from payments where invoice_id = $1", invoice["id"]
    )
    return invoice, str(intent)


async def test_an_older_failure_arriving_after_success_changes_nothing(
    payment: PaymentService, topic: str
) -> None:
    invoice, intent = await _paid_invoice(payment, topic)
    failed = stripe_event(
        "payment_intent.payment_failed",
        {
            "id": intent,
            "object": "payment_intent",
            "status": "requires_payment_method",
            "amount": invoice["total_minor"],
            "currency": "sek",
            "last_payment_error": {"code": "card_declined", "message": "declined"},
            "metadata": {},
        },
        created=int(time.time()) - 120,
    )
    assert await post_event(payment, failed, sign(failed)) == 200
    after = await payment.db.fetchrow(
        "select status, failed_attempts from invoices where id = $1", invoice["id"]
    )
    assert (after["status"], after["failed_attempts"]) == ("paid", 0)
    statuses = await payment.db.fetch(
        "select status from payments where invoice_id = $1", invoice["id"]
    )
    assert [row["status"] for row in statuses] == ["succeeded"]


async def test_refund_events_in_any_order_end_with_the_largest_refund(
    payment: PaymentService, topic: str
) -> None:
    invoice, intent = await _paid_invoice(payment, topic)

    def refunded(total: int, refunds: list[tuple[str, int]]) -> bytes:
        return stripe_event(
            "charge.refunded",
            {
                "id": "ch_" + uuid.uuid4().hex[:14],
                "object": "charge",
                "payment_intent": intent,
                "amount": invoice["total_minor"],
                "amount_refunded": total,
                "refunds": {
                    "data": [{"id": i, "amount": a, "status": "succeeded"} for i, a in refunds]
                },
            },
        )

    first, second = "re_" + uuid.uuid4().hex[:12], "re_" + uuid.uuid4().hex[:12]
    later = refunded(800, [(first, 300), (second, 500)])
    earlier = refunded(300, [(first, 300)])
    assert await post_event(payment, later, sign(later)) == 200
    assert await post_event(payment, earlier, sign(earlier)) == 200  # arrives last, is older
    row = await payment.db.fetchrow(
        "select amount_refunded_minor from invoices where id = $1", invoice["id"]
    )
    assert row["amount_refunded_minor"] == 800
    count = await payment.db.fetchval(
        "select count(*) from refunds where invoice_id = $1", invoice["id"]
    )
    assert count == 2
