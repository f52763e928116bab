"""A driver's Stripe customer deleted behind payment's back (Stripe's dashboard, or a test
server that lost its state): payment forgets it and its cards, republishes the standing, keeps
the invoice open like a declined card, tells the driver clearly, and re-creates the customer
when a card is saved again.

The customer is deleted in the real localstripe (`DELETE /v1/customers/{id}`). This module's
payment service registers no webhook URL with localstripe, so the charge and the SetupIntent
meet the missing customer themselves; `customer.deleted` is posted signed, as Stripe sends it.
"""

from __future__ import annotations

from typing import Any

from shared.events.payment import PaymentAccountChanged
from shared.events.topics import PAYMENT_ACCOUNTS
from tests.helpers.polling import eventually
from tests.payment.support import (
    PaymentService,
    create_tariff,
    invoice_of_session,
    new_driver,
    publish_session_stopped,
    records_for_key,
    save_card,
    sign,
    stripe_client,
    stripe_event,
    successful_charges,
)

SETTINGS: dict[str, Any] = {"stripe_webhook_register_url": None}
CHARGER = "GONE-CP"


async def delete_in_stripe(payment: PaymentService, user_id: str) -> str:
    customer_id: str = await payment.db.fetchval(
        "select stripe_customer_id from customers where user_id = $1", user_id
    )
    async with stripe_client() as client:
        await client.v1.customers.delete_async(customer_id)
    return customer_id


async def standing(payment: PaymentService, headers: dict[str, str]) -> dict[str, Any]:
    answer = await payment.http.get("/v1/payment-methods/standing", headers=headers)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


async def last_published(user_id: str) -> PaymentAccountChanged:
    return (await records_for_key(PAYMENT_ACCOUNTS, user_id))[-1].payload(PaymentAccountChanged)


async def test_a_charge_meets_a_deleted_customer_then_a_new_card_pays(
    payment: PaymentService, topic: str
) -> None:
    await create_tariff(payment, charge_point_ids=[CHARGER])
    user_id, headers = new_driver()
    await save_card(payment, headers)
    lost = await delete_in_stripe(payment, user_id)
    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id=CHARGER)

    async def charge_failed() -> bool:
        invoice = await invoice_of_session(payment, stopped.session_id)
        return invoice is not None and invoice["failed_attempts"] == 1

    await eventually(charge_failed, timeout=60)
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None and invoice["status"] == "open"
    attempt = await payment.db.fetchrow(
        "select p.status, p.failure_code, i.next_attempt_at from payments p "
        "join invoices i on i.id = p.invoice_id where i.session_id = $1",
        stopped.session_id,
    )
    # Retried on the schedule, like a declined card.
    assert attempt is not None
    assert attempt["status"] == "failed" and attempt["failure_code"] == "resource_missing"
    assert attempt["next_attempt_at"] is not None
    # The stale references are forgotten and the standing says so, to the app and to identity.
    assert (await payment.http.get("/v1/payment-methods", headers=headers)).json() == []
    mine = await standing(payment, headers)
    assert mine["has_payment_method"] is False and mine["has_overdue_invoice"] is True

    async def identity_told() -> bool:
        published = await last_published(user_id)
        return not published.has_payment_method and published.has_overdue_invoice

    await eventually(identity_told, timeout=30)

    # Paying now without a card: a clear problem, not a Stripe error.
    refused = await payment.http.post(f"/v1/invoices/{invoice['id']}/pay", headers=headers)
    assert refused.status_code == 402
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "Add a card" in refused.json()["detail"]

    # A new card: a new customer (its key derived from the lost one), and the invoice is paid.
    await save_card(payment, headers)
    customer = await payment.db.fetchrow(
        "select stripe_customer_id, lost_stripe_customer_id from customers where user_id = $1",
        user_id,
    )
    assert customer is not None
    assert customer["stripe_customer_id"] not in (None, lost)
    assert customer["lost_stripe_customer_id"] == lost
    paid = await payment.http.post(f"/v1/invoices/{invoice['id']}/pay", headers=headers)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    assert len(await successful_charges(payment.db, user_id)) == 1
    assert (await standing(payment, headers))["has_overdue_invoice"] is False


async def test_paying_now_meets_a_deleted_customer(payment: PaymentService, topic: str) -> None:
    await create_tariff(payment, charge_point_ids=["GONE-CP-2"])
    user_id, headers = new_driver()
    await save_card(payment, headers, card="pm_card_chargeCustomerFail")
    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id="GONE-CP-2")

    async def declined() -> bool:
        invoice = await invoice_of_session(payment, stopped.session_id)
        return invoice is not None and invoice["failed_attempts"] == 1

    await eventually(declined, timeout=60)
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None
    await delete_in_stripe(payment, user_id)

    refused = await payment.http.post(f"/v1/invoices/{invoice['id']}/pay", headers=headers)
    assert refused.status_code == 402
    problem = refused.json()
    assert problem["code"] == "resource_missing" and "Add a card" in problem["detail"]
    assert (await payment.http.get("/v1/payment-methods", headers=headers)).json() == []


async def test_a_setup_intent_replaces_a_deleted_customer(payment: PaymentService) -> None:
    user_id, headers = new_driver()
    await save_card(payment, headers)
    lost = await delete_in_stripe(payment, user_id)

    started = await payment.http.post("/v1/payment-methods/setup-intents", headers=headers)
    assert started.status_code == 201, started.text
    customer = await payment.db.fetchval(
        "select stripe_customer_id from customers where user_id = $1", user_id
    )
    assert customer not in (None, lost)
    assert (await payment.http.get("/v1/payment-methods", headers=headers)).json() == []
    assert (await standing(payment, headers))["has_payment_method"] is False
    async with stripe_client() as client:
        intent = await client.v1.setup_intents.retrieve_async(started.json()["setup_intent_id"])
    assert intent.customer == customer


async def test_customer_deleted_webhook_forgets_the_customer(payment: PaymentService) -> None:
    user_id, headers = new_driver()
    await save_card(payment, headers)
    customer_id = await payment.db.fetchval(
        "select stripe_customer_id from customers where user_id = $1", user_id
    )
    body = stripe_event("customer.deleted", {"id": customer_id, "object": "customer"})
    answer = await payment.http.post(
        "/v1/stripe/webhook", content=body, headers={"Stripe-Signature": sign(body)}
    )
    assert answer.status_code == 200, answer.text

    async def forgotten() -> bool:
        return not (await standing(payment, headers))["has_payment_method"]

    await eventually(forgotten, timeout=30)
    assert (await payment.http.get("/v1/payment-methods", headers=headers)).json() == []
    assert (
        await payment.db.fetchval(
            "select lost_stripe_customer_id from customers where user_id = $1", user_id
        )
        == customer_id
    )
