"""Subscriptions through Stripe Billing (localstripe): operators' plans mirrored to Products and
Plans, a driver subscribing, covered sessions (unlimited; an allowance with overage), changing
plan, cancelling, the standing identity sees, webhooks applied by state, and who may do what."""

from __future__ import annotations

import time
import uuid
from typing import Any

from shared.events.payment import PaymentAccountChanged
from shared.events.topics import PAYMENT_ACCOUNTS
from tests.helpers.polling import eventually
from tests.payment.support import (
    PaymentService,
    auth,
    create_tariff,
    invoice_of_session,
    new_driver,
    publish_session_stopped,
    records_for_key,
    save_card,
    sign,
    stripe_client,
    stripe_event,
)

OPERATOR = auth("operator-1", "operator")
CP = "SUB-CP-1"


async def create_plan(payment: PaymentService, **body: Any) -> dict[str, Any]:
    response = await payment.http.post("/v1/plans", json=body, headers=OPERATOR)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def subscription_active(user_id: str) -> bool | None:
    events = await records_for_key(PAYMENT_ACCOUNTS, user_id)
    return events[-1].payload(PaymentAccountChanged).subscription_active if events else None


async def invoice_when_settled(payment: PaymentService, session_id: str) -> dict[str, Any]:
    async def settled() -> bool:
        invoice = await invoice_of_session(payment, session_id)
        return invoice is not None and invoice["status"] == "paid"

    await eventually(settled)
    invoice = await invoice_of_session(payment, session_id)
    assert invoice is not None
    return invoice


async def post_webhook(payment: PaymentService, body: bytes) -> None:
    response = await payment.http.post(
        "/v1/stripe/webhook",
        content=body,
        headers={"Stripe-Signature": sign(body), "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text


async def test_plans_mirror_to_stripe_and_only_operators_and_admins_manage_them(
    payment: PaymentService,
) -> None:
    plan = await create_plan(payment, name="Unlimited", kind="unlimited", monthly_fee_minor=29_900)
    assert (plan["currency"], plan["active"], plan["charge_point_ids"]) == ("SEK", True, [])
    row = await payment.db.fetchrow(
        "select stripe_product_id, stripe_plan_id from plans where id = $1::uuid", plan["id"]
    )
    assert row is not None
    async with stripe_client() as client:
        mirrored = await client.v1.plans.retrieve_async(row["stripe_plan_id"])
    assert (mirrored.amount, mirrored.currency, mirrored.interval) == (29_900, "sek", "month")

    body = {"name": "X", "kind": "unlimited", "monthly_fee_minor": 100}
    for role in ("driver", "support"):
        denied = await payment.http.post("/v1/plans", json=body, headers=auth("u-1", role))
        assert denied.status_code == 403, role
        patched = await payment.http.patch(
            f"/v1/plans/{plan['id']}", json={"active": False}, headers=auth("u-1", role)
        )
        assert patched.status_code == 403, role
    assert (await payment.http.post("/v1/plans", json=body)).status_code == 401
    by_admin = await payment.http.post("/v1/plans", json=body, headers=auth("admin-1", "admin"))
    assert by_admin.status_code == 201
    retired = await payment.http.patch(
        f"/v1/plans/{by_admin.json()['id']}", json={"active": False}, headers=OPERATOR
    )
    assert retired.json()["active"] is False
    _, driver = new_driver()
    offered = [p["id"] for p in (await payment.http.get("/v1/plans", headers=driver)).json()]
    assert plan["id"] in offered and by_admin.json()["id"] not in offered
    missing = await payment.http.get(f"/v1/plans/{by_admin.json()['id']}", headers=driver)
    assert missing.status_code == 404
    bad = await payment.http.post("/v1/plans", json={**body, "kind": "allowance"}, headers=OPERATOR)
    assert bad.status_code == 422  # an allowance plan needs its kWh


async def test_a_subscription_covers_sessions_with_overage_on_an_allowance(
    payment: PaymentService, topic: str
) -> None:
    await create_tariff(payment, charge_point_ids=[CP])
    unlimited = await create_plan(
        payment, name="Unlimited", kind="unlimited", monthly_fee_minor=29_900
    )
    allowance = await create_plan(
        payment,
        name="10 kWh",
        kind="allowance",
        monthly_fee_minor=9_900,
        allowance_kwh=10,
        charge_point_ids=[CP],
    )
    user_id, headers = new_driver()
    no_card = await payment.http.post(
        "/v1/subscriptions", json={"plan_id": unlimited["id"]}, headers=headers
    )
    assert no_card.status_code == 409  # the fee needs a card
    await save_card(payment, headers)
    created = await payment.http.post(
        "/v1/subscriptions", json={"plan_id": unlimited["id"]}, headers=headers
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["status"] == "active" and subscription["current_period_end"]
    again = await payment.http.post(
        "/v1/subscriptions", json={"plan_id": allowance["id"]}, headers=headers
    )
    assert again.status_code == 409  # one live subscription per driver

    async def standing_active() -> bool:
        return await subscription_active(user_id) is True

    await eventually(standing_active)

    # Unlimited: the session's invoice shows the price and the coverage, total 0.
    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id=CP)
    invoice = await invoice_when_settled(payment, stopped.session_id)
    detail = (await payment.http.get(f"/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert [(line["component"], line["amount_minor"]) for line in detail["lines"]] == [
        ("FLAT", 500),
        ("ENERGY", 7000),
        ("SUBSCRIPTION", -7500),
    ]
    assert detail["total_minor"] == 0 and detail["payments"] == []

    # Change to the 10 kWh allowance: 20 kWh = 10 covered (with the flat fee) + 10 overage.
    changed = await payment.http.patch(
        f"/v1/subscriptions/{subscription['id']}",
        json={"plan_id": allowance["id"]},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["plan_id"], changed.json()["status"]) == (allowance["id"], "active")
    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id=CP)
    invoice = await invoice_when_settled(payment, stopped.session_id)
    detail = (await payment.http.get(f"/v1/invoices/{invoice['id']}", headers=headers)).json()
    coverage = detail["lines"][-1]
    assert (coverage["component"], coverage["amount_minor"]) == ("SUBSCRIPTION", -4000)
    assert "10 kWh of your allowance, 10 kWh over it" in coverage["description"]
    assert (detail["subtotal_minor"], detail["vat_minor"], detail["total_minor"]) == (
        3500,
        875,
        4375,
    )
    assert [p["status"] for p in detail["payments"]] == ["succeeded"]  # the overage, by card

    # The allowance is used up: the next session is all overage, at the tariff.
    stopped, _ = await publish_session_stopped(
        topic, user_id=user_id, charge_point_id=CP, energy_wh=8_000
    )
    invoice = await invoice_when_settled(payment, stopped.session_id)
    assert invoice["total_minor"] == 4125  # (8 x 3.50 + 5.00) x 1.25
    # Elsewhere than its chargers the allowance plan covers nothing.
    await create_tariff(payment, charge_point_ids=["SUB-CP-OTHER"])
    stopped, _ = await publish_session_stopped(
        topic, user_id=user_id, charge_point_id="SUB-CP-OTHER", energy_wh=1_000
    )
    invoice = await invoice_when_settled(payment, stopped.session_id)
    assert invoice["total_minor"] == 1063  # (1 x 3.50 + 5.00) x 1.25, half-up

    # BOLA: another driver finds nothing.
    _, stranger = new_driver()
    path = f"/v1/subscriptions/{subscription['id']}"
    assert (await payment.http.get(path, headers=stranger)).status_code == 404
    patch = await payment.http.patch(path, json={"plan_id": unlimited["id"]}, headers=stranger)
    assert patch.status_code == 404
    assert (await payment.http.delete(path, headers=stranger)).status_code == 404
    assert (await payment.http.get("/v1/subscriptions", headers=stranger)).json() == []
    staff = await payment.http.get(path, headers=auth("support-1", "support"))
    assert staff.status_code == 200

    # Cancel: at the period's end by default, or now.
    ending = await payment.http.delete(path, headers=headers)
    assert ending.json()["cancel_at_period_end"] is True and ending.json()["status"] == "active"
    ended = await payment.http.delete(path, params={"immediately": "true"}, headers=headers)
    assert ended.json()["status"] == "canceled"

    async def standing_inactive() -> bool:
        return await subscription_active(user_id) is False

    await eventually(standing_inactive)
    # A late "active" from Stripe (an older event delivered now) does not revive it.
    stripe_id = await payment.db.fetchval(
        "select stripe_subscription_id from subscriptions where id = $1::uuid", subscription["id"]
    )
    old = {"id": stripe_id, "object": "subscription", "status": "active", "metadata": {}}
    await post_webhook(
        payment,
        stripe_event("customer.subscription.updated", old, created=int(time.time()) - 3600),
    )
    row = await payment.db.fetchrow(
        "select status from subscriptions where id = $1::uuid", subscription["id"]
    )
    assert row is not None and row["status"] == "canceled"


async def test_subscription_fees_failing_and_paid_move_the_state_by_event_time(
    payment: PaymentService,
) -> None:
    plan = await create_plan(payment, name="Monthly", kind="unlimited", monthly_fee_minor=19_900)
    user_id, headers = new_driver()
    await save_card(payment, headers)
    subscription = (
        await payment.http.post("/v1/subscriptions", json={"plan_id": plan["id"]}, headers=headers)
    ).json()
    stripe_id = await payment.db.fetchval(
        "select stripe_subscription_id from subscriptions where id = $1::uuid", subscription["id"]
    )
    now = int(time.time())

    def invoice(event_type: str, created: int) -> bytes:
        obj = {"id": "in_" + uuid.uuid4().hex[:14], "object": "invoice", "subscription": stripe_id}
        return stripe_event(event_type, obj, created=created)

    async def status() -> str:
        return str(
            await payment.db.fetchval(
                "select status from subscriptions where id = $1::uuid", subscription["id"]
            )
        )

    # The renewal fails (a newer event): past due; identity stops counting the plan.
    await post_webhook(payment, invoice("invoice.payment_failed", now + 60))
    assert await status() == "past_due"

    async def standing_inactive() -> bool:
        return await subscription_active(user_id) is False

    await eventually(standing_inactive)
    # A success older than the failure, delivered late, changes nothing.
    await post_webhook(payment, invoice("invoice.paid", now + 30))
    assert await status() == "past_due"
    # The retried payment succeeds later: active again.
    await post_webhook(payment, invoice("invoice.paid", now + 120))
    assert await status() == "active"

    async def standing_active() -> bool:
        return await subscription_active(user_id) is True

    await eventually(standing_active)
    mine = (await payment.http.get("/v1/subscriptions", headers=headers)).json()
    assert [s["id"] for s in mine] == [subscription["id"]]
