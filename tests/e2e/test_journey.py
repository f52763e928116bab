"""The whole platform, proven by the people who use it: drivers, operators, support agents.

One platform per module (tests/e2e/platform.py): every service and the gateway, real
PostgreSQL, Kafka and localstripe. The tests act only through the gateway's public REST API,
Stripe's API as Stripe.js calls it, and simulated OCPP 1.6 chargers
(tests/connectivity/clients.py), and check what each person would see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ocpp.v16 import call

from shared.clock import ocpp_time
from tests.connectivity.clients import charger
from tests.e2e.platform import Platform, running_platform
from tests.e2e.steps import (
    HOME,
    TARIFF,
    Person,
    add_rfid_card,
    boot,
    charge,
    confirm_payment_intent,
    created_once_known,
    has_pdf,
    install_charger,
    items,
    mail_arrives,
    received,
    register_driver,
    save_card,
    staff_member,
    tap_until,
    text_of,
    total_minor,
    until_json,
)
from tests.helpers.stack import unique


@pytest.fixture(scope="module")
async def platform() -> AsyncIterator[Platform]:
    async with running_platform() as running:
        yield running


@pytest.fixture(scope="module")
async def operator(platform: Platform) -> Person:
    """An operator who runs the network, with the network's tariff in force."""
    person = await staff_member(platform.api, "operator")
    valid_from = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    tariff = await platform.api.post(
        "/v1/tariffs", json={**TARIFF, "valid_from": valid_from}, headers=person.headers
    )
    assert tariff.status_code == 201, tariff.text
    return person


async def test_a_driver_finds_books_charges_pays_and_gets_help(
    platform: Platform, operator: Person
) -> None:
    api = platform.api
    site = unique("Journey site")
    cp_id, cp_password = await install_charger(platform, operator, site=site, offset_m=150)

    # 1. Register, log in, add an RFID card: blocked until a payment method is on file.
    driver = await register_driver(api)
    uid = await add_rfid_card(api, driver)
    cards = (await api.get("/v1/id-tokens", headers=driver.headers)).json()
    assert [(c["uid"], c["decision"]) for c in items(cards)] == [(uid, "Blocked")]
    # 2. Save a bank card through Stripe: the RFID card is accepted from then on.
    await save_card(platform, driver)
    await until_json(
        api,
        "/v1/id-tokens",
        driver.headers,
        lambda body: [c["decision"] for c in items(body)] == ["Accepted"],
    )

    async with charger(platform.ocpp_url, cp_id, cp_password) as client:
        await boot(client)

        # 3. Find a charger near here, with its live availability and its price.
        lat, lon = HOME
        bbox = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
        nearby = await until_json(
            api,
            "/v1/availability",
            driver.headers,
            lambda body: any(
                cp["charge_point_id"] == cp_id and cp["online"] for cp in body["charge_points"]
            ),
            bbox=bbox,
            date=datetime.now(UTC).date().isoformat(),
        )
        found = next(cp for cp in nearby["charge_points"] if cp["charge_point_id"] == cp_id)
        assert found["site_name"] == site
        connector = next(c for c in found["connectors"] if c["connector_id"] == 1)
        assert connector["in_service"] and connector["free"]
        sites = (await api.get("/v1/locations")).json()
        assert any(s["site_name"] == site and s["connectors_available"] == 2 for s in sites)
        price = await api.get(f"/v1/tariffs/current/{cp_id}/1")
        assert price.status_code == 200, price.text
        assert "350" in price.text  # 3.50 per kWh, shown before the driver commits

        # 4. Book connector 1 from now for half an hour: the charger is told (ReserveNow).
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        booked = await api.post(
            "/v1/reservations",
            json={
                "charge_point_id": cp_id,
                "connector_id": 1,
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(minutes=30)).isoformat(),
            },
            headers=driver.headers,
        )
        assert booked.status_code == 201, booked.text
        reservation = booked.json()

        reserve_now = await received(client, "ReserveNow")
        assert reserve_now["connector_id"] == 1 and reserve_now["id_tag"] == uid

        # 5. Tap the card, charge 12.5 kWh with meter values, stop.
        await tap_until(client, uid, "Accepted")
        await charge(
            client, uid, connector=1, energy_wh=12_500, reservation_id=reserve_now["reservation_id"]
        )

    session = await until_json(
        api,
        "/v1/sessions",
        driver.headers,
        lambda body: items(body) and items(body)[0]["stopped_at"],
    )
    session = items(session)[0]
    assert (session["charge_point_id"], session["energy_wh"]) == (cp_id, 12_500)
    await until_json(
        api,
        f"/v1/reservations/{reservation['id']}",
        driver.headers,
        lambda body: body["status"] == "fulfilled",
    )

    # 6. The invoice is issued and paid by the saved card.
    invoices = await until_json(
        api,
        "/v1/invoices",
        driver.headers,
        lambda body: any(
            i["session_id"] == session["id"] and i["status"] == "paid" for i in items(body)
        ),
    )
    invoice = next(i for i in items(invoices) if i["session_id"] == session["id"])
    assert invoice["total_minor"] == total_minor(12_500) == invoice["amount_paid_minor"]
    # ... and the receipt arrives by e-mail, its PDF attached.
    await mail_arrives(platform.smtp, driver.email, has_pdf)

    # 7. The driver's statistics show the session.
    stats = await until_json(
        api, "/v1/stats/me", driver.headers, lambda body: body["overall"]["sessions"] == 1
    )
    assert stats["overall"]["energy_kwh"] == pytest.approx(12.5)
    assert stats["overall"]["spent_minor"] == invoice["total_minor"]

    # 8. A support ticket about the session; an agent sees the session in it and replies.
    ticket = await created_once_known(
        api,
        "/v1/support/tickets",
        {
            "category": "charging_problem",
            "subject": "The session stopped earlier than I expected",
            "description": "My car was not full. Was I billed correctly?",
            "session_id": session["id"],
        },
        driver.headers,
    )
    agent = await staff_member(api, "support")
    seen = await until_json(
        api,
        f"/v1/support/queue/{ticket['id']}",
        agent.headers,
        lambda body: body["linked"]["session"] is not None,
    )
    linked = seen["linked"]["session"]
    assert (linked["session_id"], linked["energy_wh"]) == (session["id"], 12_500)
    reply = "We saw the session; the charger reported no fault. The invoice is correct."
    answered = await api.post(
        f"/v1/support/queue/{ticket['id']}/messages", json={"body": reply}, headers=agent.headers
    )
    assert answered.status_code in (200, 201), answered.text
    mine = await api.get(f"/v1/support/tickets/{ticket['id']}", headers=driver.headers)
    assert [m["body"] for m in mine.json()["messages"] if m["author_kind"] == "staff"] == [reply]
    # ... and the driver is told by e-mail, with a link to the answer in the app.
    await mail_arrives(platform.smtp, driver.email, lambda mail: ticket["id"] in text_of(mail))

    # Nobody else sees any of it.
    other = await register_driver(api)
    for path in (
        f"/v1/sessions/{session['id']}",
        f"/v1/invoices/{invoice['id']}",
        f"/v1/reservations/{reservation['id']}",
        f"/v1/support/tickets/{ticket['id']}",
    ):
        assert (await api.get(path, headers=other.headers)).status_code == 404, path


async def test_a_faulted_charger_alerts_operators_and_a_work_order_takes_it_out_of_use(
    platform: Platform, operator: Person
) -> None:
    api = platform.api
    cp_id, cp_password = await install_charger(platform, operator, site=unique("Fault site"))
    async with charger(platform.ocpp_url, cp_id, cp_password) as client:
        await boot(client)
        await client.call(
            call.StatusNotification(
                connector_id=1, error_code="GroundFailure", status="Faulted", timestamp=ocpp_time()
            )
        )
    # The connection is gone: after the offline delay, the charger is offline too.

    def kinds(body: Any) -> set[str]:
        return {alert["kind"] for alert in items(body)}

    alerts = await until_json(
        api,
        "/v1/alerts",
        operator.headers,
        lambda body: {"connector_faulted", "offline"} <= kinds(body),
        charge_point_id=cp_id,
    )
    assert all(alert["status"] == "open" for alert in items(alerts))

    # The operator takes the whole charger out of use for the repair.
    created = await api.post(
        "/v1/work-orders",
        json={
            "title": "Replace the RCD of connector 1",
            "charge_point_id": cp_id,
            "requires_inoperative": True,
        },
        headers=operator.headers,
    )
    assert created.status_code == 201, created.text
    order = created.json()

    # The technician arrives and the charger reconnects: it is told to be Inoperative.
    async with charger(platform.ocpp_url, cp_id, cp_password) as client:
        await boot(client)

        await received(client, "ChangeAvailability", type="Inoperative", connector_id=0)
        await until_json(
            api,
            f"/v1/work-orders/{order['id']}",
            operator.headers,
            lambda body: body["availability"] == "inoperative",
        )

        # Repaired: closing the order puts the charger back in service.
        closed = await api.patch(
            f"/v1/work-orders/{order['id']}",
            json={"status": "done", "note": "RCD replaced, insulation tested"},
            headers=operator.headers,
        )
        assert closed.status_code == 200, closed.text

        await received(client, "ChangeAvailability", type="Operative", connector_id=0)
        await until_json(
            api,
            f"/v1/work-orders/{order['id']}",
            operator.headers,
            lambda body: body["availability"] == "operative",
        )


async def test_a_subscribed_driver_charges_without_being_billed_per_kwh(
    platform: Platform, operator: Person
) -> None:
    api = platform.api
    cp_id, cp_password = await install_charger(platform, operator, site=unique("Plan site"))
    plan = await api.post(
        "/v1/plans",
        json={"name": unique("Unlimited"), "kind": "unlimited", "monthly_fee_minor": 29_900},
        headers=operator.headers,
    )
    assert plan.status_code == 201, plan.text
    driver = await register_driver(api)
    uid = await add_rfid_card(api, driver)
    await save_card(platform, driver)
    subscribed = await api.post(
        "/v1/subscriptions", json={"plan_id": plan.json()["id"]}, headers=driver.headers
    )
    assert subscribed.status_code == 201, subscribed.text
    assert subscribed.json()["status"] == "active"

    async with charger(platform.ocpp_url, cp_id, cp_password) as client:
        await boot(client)
        await tap_until(client, uid, "Accepted")
        await charge(client, uid, connector=2, energy_wh=30_000)

    invoices = await until_json(
        api,
        "/v1/invoices",
        driver.headers,
        lambda body: any(i["charge_point_id"] == cp_id for i in items(body)),
    )
    invoice = next(i for i in items(invoices) if i["charge_point_id"] == cp_id)
    detail = (await api.get(f"/v1/invoices/{invoice['id']}", headers=driver.headers)).json()
    assert detail["total_minor"] == 0 and detail["payments"] == []
    assert detail["lines"][-1]["component"] == "SUBSCRIPTION"
    assert sum(line["amount_minor"] for line in detail["lines"]) == 0


async def test_a_declined_card_is_refused_at_the_charger_until_the_driver_pays_from_the_app(
    platform: Platform, operator: Person
) -> None:
    api = platform.api
    cp_id, cp_password = await install_charger(platform, operator, site=unique("Decline site"))
    driver = await register_driver(api)
    uid = await add_rfid_card(api, driver)
    await save_card(platform, driver, card="pm_card_chargeCustomerFail")

    async with charger(platform.ocpp_url, cp_id, cp_password) as client:
        await boot(client)
        await tap_until(client, uid, "Accepted")
        await charge(client, uid, connector=1, energy_wh=8_000)

        # The off-session charge is declined: the invoice stays open, the card is refused.
        invoices = await until_json(
            api,
            "/v1/invoices",
            driver.headers,
            lambda body: any(i["last_payment_error"] for i in items(body)),
        )
        owed = items(invoices)[0]
        assert owed["status"] != "paid" and owed["amount_paid_minor"] == 0
        await tap_until(client, uid, "Blocked")

        # The driver adds a working card and pays the open invoice from the app.
        good = await save_card(platform, driver)
        paid = await api.post(
            f"/v1/invoices/{owed['id']}/pay",
            json={"payment_method_id": good},
            headers=driver.headers,
        )
        assert paid.status_code == 200, paid.text
        await until_json(
            api, f"/v1/invoices/{owed['id']}", driver.headers, lambda body: body["status"] == "paid"
        )
        await tap_until(client, uid, "Accepted")


async def test_pay_as_you_go_from_the_app_holds_starts_remotely_and_captures(
    platform: Platform, operator: Person
) -> None:
    api = platform.api
    cp_id, cp_password = await install_charger(platform, operator, site=unique("PAYG site"))
    driver = await register_driver(api)

    async with charger(platform.ocpp_url, cp_id, cp_password) as client:
        await boot(client)

        hold = await created_once_known(
            api,
            "/v1/payments/holds",
            {"charge_point_id": cp_id, "connector_id": 2},
            driver.headers,
        )
        await confirm_payment_intent(platform, hold["client_secret"])
        confirmed = await api.post(
            f"/v1/payments/holds/{hold['id']}/confirmation", headers=driver.headers
        )
        assert confirmed.status_code == 200, confirmed.text

        # The app shows the hold until the charger starts; a released hold fails at once.
        await until_json(
            api,
            f"/v1/payments/holds/{hold['id']}",
            driver.headers,
            lambda body: _hold_starting(body, client),
            timeout=120,
        )
        request = await received(client, "RemoteStartTransaction")
        assert request["connector_id"] == 2
        await charge(client, request["id_tag"], connector=2, energy_wh=20_000, stop_accepted=False)

    captured = await until_json(
        api,
        f"/v1/payments/holds/{hold['id']}",
        driver.headers,
        lambda body: body["status"] == "captured",
    )
    invoice = await until_json(
        api,
        "/v1/invoices",
        driver.headers,
        lambda body: any(i["session_id"] == captured["session_id"] for i in items(body)),
    )
    paid = next(i for i in items(invoice) if i["session_id"] == captured["session_id"])
    assert paid["status"] == "paid" and paid["total_minor"] == total_minor(20_000)


def _hold_starting(hold: dict[str, Any], client: Any) -> bool:
    assert hold["status"] in ("awaiting_payment", "authorized", "starting", "charging"), hold
    return any(action == "RemoteStartTransaction" for action, _ in client.received)
