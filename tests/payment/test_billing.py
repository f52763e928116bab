"""session.stopped -> an invoice -> an off-session charge in localstripe, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.events.payment import InvoicePaid
from shared.events.topics import PAYMENT_INVOICES
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
    successful_charges,
)

TOTAL_20_KWH = 9375  # (20 kWh x 3.50 + 5.00) x 1.25


async def paid(payment: PaymentService, session_id: str) -> bool:
    invoice = await invoice_of_session(payment, session_id)
    return invoice is not None and invoice["status"] == "paid"


async def test_a_session_is_billed_and_paid(payment: PaymentService, topic: str) -> None:
    await create_tariff(payment, charge_point_ids=["PAY-CP-1"])
    user_id, headers = new_driver()
    await save_card(payment, headers)
    stopped, _ = await publish_session_stopped(topic, user_id=user_id)
    await eventually(lambda: paid(payment, stopped.session_id), timeout=60)

    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None
    detail = (await payment.http.get(f"/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert [(line["component"], line["amount_minor"]) for line in detail["lines"]] == [
        ("FLAT", 500),
        ("ENERGY", 7000),
    ]
    assert (detail["subtotal_minor"], detail["vat_minor"], detail["total_minor"]) == (
        7500,
        1875,
        TOTAL_20_KWH,
    )
    assert detail["amount_paid_minor"] == TOTAL_20_KWH
    assert [p["status"] for p in detail["payments"]] == ["succeeded"]
    charges = await successful_charges(payment.db, user_id)
    assert [(c["amount"], c["currency"]) for c in charges] == [(TOTAL_20_KWH, "sek")]

    async def announced() -> bool:
        events = await records_for_key(PAYMENT_INVOICES, str(invoice["id"]))
        return [e.type for e in events] == ["invoice.issued", "invoice.paid"]

    await eventually(announced, timeout=60)
    paid_event = (await records_for_key(PAYMENT_INVOICES, str(invoice["id"])))[-1]
    assert paid_event.payload(InvoicePaid).total_minor == TOTAL_20_KWH

    mine = (await payment.http.get("/v1/invoices", headers=headers)).json()
    assert [i["id"] for i in mine] == [str(invoice["id"])]
    pdf = await payment.http.get(f"/v1/invoices/{invoice['id']}/receipt.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


async def test_the_same_stop_three_times_is_one_invoice_and_one_charge(
    payment: PaymentService, topic: str
) -> None:
    await create_tariff(payment, charge_point_ids=["PAY-CP-2"])
    user_id, headers = new_driver()
    await save_card(payment, headers)
    stopped, envelope = await publish_session_stopped(
        topic, user_id=user_id, charge_point_id="PAY-CP-2"
    )
    # The same envelope again (at-least-once delivery), and the same stop in a new envelope
    # (a connectivity replica re-publishing it).
    await publish_session_stopped(topic, envelope=envelope)
    await publish_session_stopped(topic, **stopped.model_dump())
    await eventually(lambda: paid(payment, stopped.session_id), timeout=60)

    async def all_three_consumed() -> bool:
        consumer = payment.app.state.runtime.consumers[0]
        return bool(consumer.applied + consumer.duplicates >= 3)

    await eventually(all_three_consumed, timeout=60)
    count = await payment.db.fetchval(
        "select count(*) from invoices where session_id = $1", stopped.session_id
    )
    assert count == 1
    assert len(await successful_charges(payment.db, user_id)) == 1


async def test_sessions_of_unknown_drivers_are_priced_not_charged(
    payment: PaymentService, topic: str
) -> None:
    stopped, _ = await publish_session_stopped(topic, user_id=None, charge_point_id="PAY-CP-1")

    async def recorded() -> bool:
        invoice = await invoice_of_session(payment, stopped.session_id)
        return invoice is not None and invoice["status"] == "recorded"

    await eventually(recorded, timeout=60)
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None and invoice["total_minor"] > 0
    assert (
        await payment.db.fetchval(
            "select count(*) from payments where invoice_id = $1", invoice["id"]
        )
        == 0
    )


async def test_time_of_day_tariff_across_the_boundary_is_billed(
    payment: PaymentService, topic: str
) -> None:
    await create_tariff(
        payment,
        charge_point_ids=["PAY-CP-NIGHT"],
        elements=[
            {
                "price_components": [{"type": "ENERGY", "price_minor": 200}],
                "restrictions": {"start_time": "22:00", "end_time": "06:00"},
            },
            {"price_components": [{"type": "ENERGY", "price_minor": 400}]},
        ],
    )
    user_id, headers = new_driver()
    await save_card(payment, headers)
    # 21:30-22:30 Stockholm (UTC+1): 5 kWh at the day price, 5 kWh at the night price.
    start = datetime(2026, 3, 2, 20, 30, tzinfo=UTC)
    stopped, _ = await publish_session_stopped(
        topic,
        user_id=user_id,
        charge_point_id="PAY-CP-NIGHT",
        started_at=start,
        stopped_at=start.replace(hour=21),
        energy_wh=10_000,
    )
    await eventually(lambda: paid(payment, stopped.session_id), timeout=60)
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None
    detail = (await payment.http.get(f"/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert [(line["quantity"], line["amount_minor"]) for line in detail["lines"]] == [
        ("5.000", 2000),
        ("5.000", 1000),
    ]
    assert detail["total_minor"] == 3750


async def test_a_declined_card_leaves_the_invoice_open_until_the_driver_pays(
    payment: PaymentService, topic: str
) -> None:
    await create_tariff(payment, charge_point_ids=["PAY-CP-3"])
    user_id, headers = new_driver()
    declining = await save_card(payment, headers, card="pm_card_chargeCustomerFail")
    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id="PAY-CP-3")

    async def failed_once() -> bool:
        invoice = await invoice_of_session(payment, stopped.session_id)
        return invoice is not None and invoice["failed_attempts"] == 1

    await eventually(failed_once, timeout=60)
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None and invoice["status"] == "open"
    standing = (await payment.http.get("/v1/payment-methods/standing", headers=headers)).json()
    assert standing["has_overdue_invoice"] is True
    detail = (await payment.http.get(f"/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert detail["last_payment_error"] == "card_declined"
    assert detail["next_attempt_at"] is not None

    # Paying with the same card fails again (402), with a new card it goes through.
    again = await payment.http.post(f"/v1/invoices/{invoice['id']}/pay", headers=headers)
    assert again.status_code == 402, again.text
    good = await save_card(payment, headers)
    assert good["id"] != declining["id"]
    other_user, other = new_driver()
    stolen = await payment.http.post(f"/v1/invoices/{invoice['id']}/pay", headers=other)
    assert stolen.status_code == 404 and other_user
    settled = await payment.http.post(
        f"/v1/invoices/{invoice['id']}/pay",
        json={"payment_method_id": good["id"]},
        headers=headers,
    )
    assert settled.status_code == 200, settled.text
    assert settled.json()["status"] == "paid"
    standing = (await payment.http.get("/v1/payment-methods/standing", headers=headers)).json()
    assert standing["has_overdue_invoice"] is False
    assert len(await successful_charges(payment.db, user_id)) == 1
    twice = await payment.http.post(f"/v1/invoices/{invoice['id']}/pay", headers=headers)
    assert twice.status_code == 409


async def test_drivers_see_only_their_own_invoices(payment: PaymentService, topic: str) -> None:
    user_id, headers = new_driver()
    await save_card(payment, headers)
    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id="PAY-CP-1")
    await eventually(lambda: paid(payment, stopped.session_id), timeout=60)
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None
    _, other = new_driver()
    assert (
        await payment.http.get(f"/v1/invoices/{invoice['id']}", headers=other)
    ).status_code == 404
    assert (
        await payment.http.get(f"/v1/invoices/{invoice['id']}/receipt.pdf", headers=other)
    ).status_code == 404
    theirs = await payment.http.get("/v1/invoices", params={"user_id": user_id}, headers=other)
    assert theirs.json() == []
    support = await payment.http.get(
        "/v1/invoices", params={"user_id": user_id}, headers=auth("s-1", "support")
    )
    assert [i["id"] for i in support.json()] == [str(invoice["id"])]


async def test_a_card_needing_authentication_off_session_leaves_the_invoice_open(
    payment: PaymentService, topic: str
) -> None:
    """A card that asks for 3-D Secure on every charge: nobody can authenticate off-session."""
    await create_tariff(payment, charge_point_ids=["PAY-CP-3DS"])
    user_id, headers = new_driver()
    await payment.http.post("/v1/payment-methods/setup-intents", headers=headers)  # the customer
    customer = await payment.db.fetchval(
        "select stripe_customer_id from customers where user_id = $1", user_id
    )
    # Saved in Stripe (by the app's SDK, after authenticating once); Stripe tells us by webhook.
    async with stripe_client() as client:
        method = await client.v1.payment_methods.create_async(
            params={
                "type": "card",
                "card": {
                    "number": "4000002760003184",
                    "exp_month": 12,
                    "exp_year": 2034,
                    "cvc": "123",
                },
            }
        )
        attached = await client.v1.payment_methods.attach_async(
            method.id, params={"customer": customer}
        )
    body = stripe_event("payment_method.attached", attached.to_dict())
    delivered = await payment.http.post(
        "/v1/stripe/webhook", content=body, headers={"Stripe-Signature": sign(body)}
    )
    assert delivered.status_code == 200
    methods = (await payment.http.get("/v1/payment-methods", headers=headers)).json()
    assert [(m["id"], m["last4"], m["is_default"]) for m in methods] == [(method.id, "3184", True)]

    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id="PAY-CP-3DS")

    async def failed_once() -> bool:
        invoice = await invoice_of_session(payment, stopped.session_id)
        return invoice is not None and invoice["failed_attempts"] == 1

    await eventually(failed_once, timeout=60)
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None and invoice["status"] == "open"
    detail = (await payment.http.get(f"/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert detail["last_payment_error"] == "authentication_required"
    assert [p["status"] for p in detail["payments"]] == ["failed"]
    standing = (await payment.http.get("/v1/payment-methods/standing", headers=headers)).json()
    assert standing["has_overdue_invoice"] is True
    assert await successful_charges(payment.db, user_id) == []


async def test_idle_time_after_charging_ended_is_billed(
    payment: PaymentService, topic: str
) -> None:
    await create_tariff(
        payment,
        charge_point_ids=["PAY-CP-IDLE"],
        elements=[
            {
                "price_components": [
                    {"type": "ENERGY", "price_minor": 300},
                    {"type": "PARKING_TIME", "price_minor": 1200, "grace_period_s": 600},
                ]
            }
        ],
    )
    user_id, headers = new_driver()
    await save_card(payment, headers)
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    # Charged 10:00-11:00, plugged in until 11:40: 30 idle minutes after 10 free ones.
    stopped, _ = await publish_session_stopped(
        topic,
        user_id=user_id,
        charge_point_id="PAY-CP-IDLE",
        started_at=start,
        stopped_at=start.replace(hour=11, minute=40),
        charging_ended_at=start.replace(hour=11),
        energy_wh=10_000,
    )
    await eventually(lambda: paid(payment, stopped.session_id), timeout=60)
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None
    detail = (await payment.http.get(f"/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert [(line["component"], line["amount_minor"]) for line in detail["lines"]] == [
        ("ENERGY", 3000),
        ("PARKING_TIME", 600),
    ]
    assert detail["charging_ended_at"].startswith("2026-03-02T11:00:00")
