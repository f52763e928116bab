"""Refunds through Stripe by support, operators and admins; never by drivers."""

from __future__ import annotations

from typing import Any

from tests.helpers.polling import eventually
from tests.payment.support import (
    PaymentService,
    auth,
    create_tariff,
    invoice_of_session,
    new_driver,
    publish_session_stopped,
    save_card,
    stripe_client,
)

SUPPORT = auth("support-1", "support")


async def paid_invoice(
    payment: PaymentService, topic: str
) -> tuple[dict[str, Any], dict[str, str]]:
    user_id, headers = new_driver()
    await save_card(payment, headers)
    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id="REF-CP")

    async def paid() -> bool:
        invoice = await invoice_of_session(payment, stopped.session_id)
        return invoice is not None and invoice["status"] == "paid"

    await eventually(paid, timeout=60)
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None
    return invoice, headers


async def test_a_partial_then_the_rest_refunded(payment: PaymentService, topic: str) -> None:
    await create_tariff(payment, charge_point_ids=["REF-CP"])
    invoice, headers = await paid_invoice(payment, topic)
    url = f"/v1/invoices/{invoice['id']}/refunds"

    partial = await payment.http.post(
        url,
        json={"amount_minor": 1000, "reason": "Connector fault, partial goodwill"},
        headers=SUPPORT,
    )
    assert partial.status_code == 201, partial.text
    body = partial.json()
    assert body["amount_refunded_minor"] == 1000
    assert [(r["amount_minor"], r["reason"]) for r in body["refunds"]] == [
        (1000, "Connector fault, partial goodwill")
    ]
    payment_intent = await payment.db.fetchval(
        "select stripe_payment_intent_id from payments where invoice_id = $1 and status = 'succeeded'",
        invoice["id"],
    )
    async with stripe_client() as client:
        refunds = await client.v1.refunds.list_async(params={"payment_intent": payment_intent})
    assert [r.amount for r in refunds.data] == [1000]

    too_much = await payment.http.post(
        url, json={"amount_minor": invoice["total_minor"], "reason": "too much"}, headers=SUPPORT
    )
    assert too_much.status_code == 409
    rest = await payment.http.post(
        url, json={"reason": "Customer complaint upheld"}, headers=auth("op-1", "operator")
    )
    assert rest.status_code == 201
    assert rest.json()["amount_refunded_minor"] == invoice["total_minor"]
    # The driver sees the refunds on their invoice.
    mine = (await payment.http.get(f"/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert sum(r["amount_minor"] for r in mine["refunds"]) == invoice["total_minor"]
    nothing_left = await payment.http.post(url, json={"reason": "again"}, headers=SUPPORT)
    assert nothing_left.status_code == 409


async def test_only_support_operators_and_admins_refund(
    payment: PaymentService, topic: str
) -> None:
    await create_tariff(payment, charge_point_ids=["REF-CP"])
    invoice, headers = await paid_invoice(payment, topic)
    url = f"/v1/invoices/{invoice['id']}/refunds"
    body = {"amount_minor": 100, "reason": "not allowed"}
    assert (await payment.http.post(url, json=body, headers=headers)).status_code == 403
    assert (
        await payment.http.post(url, json=body, headers=auth("svc", "service"))
    ).status_code == 403
    assert (await payment.http.post(url, json=body)).status_code == 401
    assert (
        await payment.http.post(
            url, json={**body, "reason": "admin may"}, headers=auth("a", "admin")
        )
    ).status_code == 201
