"""Stripe webhooks signed the way Stripe signs them: verified, stored once, processed once."""

from __future__ import annotations

import time
import uuid

from tests.payment.support import PaymentService, new_driver, save_card, sign, stripe_event


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
