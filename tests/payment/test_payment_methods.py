"""Saving cards through SetupIntents against localstripe; the standing reaches Kafka."""

from __future__ import annotations

from shared.events.payment import PaymentAccountChanged
from shared.events.topics import PAYMENT_ACCOUNTS
from tests.helpers.polling import eventually
from tests.payment.support import PaymentService, new_driver, records_for_key, save_card


async def standings(user_id: str) -> list[PaymentAccountChanged]:
    return [
        e.payload(PaymentAccountChanged) for e in await records_for_key(PAYMENT_ACCOUNTS, user_id)
    ]


async def test_save_a_card_and_the_standing_is_published(payment: PaymentService) -> None:
    user_id, headers = new_driver()
    saved = await save_card(payment, headers)
    assert saved["type"] == "card" and saved["last4"] == "4242" and saved["is_default"]

    listed = await payment.http.get("/v1/payment-methods", headers=headers)
    assert [m["id"] for m in listed.json()] == [saved["id"]]
    customer = await payment.db.fetchval(
        "select stripe_customer_id from customers where user_id = $1", user_id
    )
    assert customer.startswith("cus_")

    async def published() -> bool:
        found = await standings(user_id)
        return bool(found) and found[-1].has_payment_method and not found[-1].has_overdue_invoice

    await eventually(published, timeout=60)


async def test_default_and_removal(payment: PaymentService) -> None:
    user_id, headers = new_driver()
    first = await save_card(payment, headers)
    second = await save_card(payment, headers, card="pm_card_chargeCustomerFail")
    assert first["is_default"] and not second["is_default"]

    chosen = await payment.http.post(f"/v1/payment-methods/{second['id']}/default", headers=headers)
    assert chosen.status_code == 200 and chosen.json()["is_default"]

    removed = await payment.http.delete(f"/v1/payment-methods/{second['id']}", headers=headers)
    assert removed.status_code == 204
    listed = (await payment.http.get("/v1/payment-methods", headers=headers)).json()
    assert [(m["id"], m["is_default"]) for m in listed] == [(first["id"], True)]

    await payment.http.delete(f"/v1/payment-methods/{first['id']}", headers=headers)
    assert (await payment.http.get("/v1/payment-methods", headers=headers)).json() == []

    async def without_method() -> bool:
        found = await standings(user_id)
        return bool(found) and not found[-1].has_payment_method

    await eventually(without_method, timeout=60)
    standing = await payment.http.get("/v1/payment-methods/standing", headers=headers)
    assert standing.json()["has_payment_method"] is False


async def test_a_driver_cannot_touch_another_drivers_methods(payment: PaymentService) -> None:
    _, owner = new_driver()
    _, other = new_driver()
    saved = await save_card(payment, owner)
    assert (
        await payment.http.post(f"/v1/payment-methods/{saved['id']}/default", headers=other)
    ).status_code == 404
    assert (
        await payment.http.delete(f"/v1/payment-methods/{saved['id']}", headers=other)
    ).status_code == 404
    # Nor save the method of someone else's SetupIntent.
    started = await payment.http.post("/v1/payment-methods/setup-intents", headers=owner)
    intent = started.json()["setup_intent_id"]
    await payment.stripe.confirm_setup_intent(intent, "pm_card_visa")
    stolen = await payment.http.post(
        "/v1/payment-methods", json={"setup_intent_id": intent}, headers=other
    )
    assert stolen.status_code == 404


async def test_a_declined_card_is_not_saved(payment: PaymentService) -> None:
    _, headers = new_driver()
    started = await payment.http.post("/v1/payment-methods/setup-intents", headers=headers)
    intent = started.json()["setup_intent_id"]
    try:
        await payment.stripe.confirm_setup_intent(intent, "pm_card_visa_chargeDeclined")
    except Exception as exc:  # the SDK tells the app the card was declined
        assert "declined" in str(exc).lower()
    refused = await payment.http.post(
        "/v1/payment-methods", json={"setup_intent_id": intent}, headers=headers
    )
    assert refused.status_code == 409
    assert (await payment.http.get("/v1/payment-methods", headers=headers)).json() == []
