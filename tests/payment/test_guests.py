"""Ad-hoc charging without an account: a connector's QR address, a hold paid by card, the
session followed, stopped and receipted through the guest's capability link; forged and
expired links refused. Connectivity and identity are played on Kafka as in test_holds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from services.payment.guests import links
from shared.events.charging import SessionUpdated
from shared.events.commands import CommandRequested
from tests.helpers.polling import eventually
from tests.payment.holds_support import (
    commands_to,
    new_topics,
    pay_with_card,
    payment_with_holds,
    publish,
    register_charger,
    start_charging,
    wait_for_status,
)
from tests.payment.support import (
    PaymentService,
    create_tariff,
    new_driver,
    publish_session_stopped,
)

SECRET = "guest-link-test-secret-" + uuid.uuid4().hex
TOTAL_20_KWH = 9375  # (20 kWh x 3.50 + 5.00) x 1.25


@pytest.fixture(scope="module")
async def streams() -> AsyncIterator[dict[str, str]]:
    async with new_topics("id-tokens", "results", "registry") as names:
        yield names


@pytest.fixture(scope="module")
async def payment(topic: str, streams: dict[str, str]) -> AsyncIterator[PaymentService]:
    async with payment_with_holds(
        "test_pay_guests", topic, streams, guest_link_secret=SecretStr(SECRET)
    ) as service:
        yield service


def guest(token: str) -> dict[str, str]:
    return {"X-Guest-Link": token}


async def test_a_guest_charges_from_the_qr_address_to_a_receipt(
    payment: PaymentService, topic: str, streams: dict[str, str]
) -> None:
    cp_id = await register_charger(payment, streams["registry"])
    await create_tariff(payment, charge_point_ids=[cp_id])

    # The printed QR code: the price, per kWh first (incl. VAT), with no login.
    offer = await payment.http.get(f"/c/{cp_id}/1")
    assert offer.status_code == 200, offer.text
    body = offer.json()
    assert body["price"]["energy_price_per_kwh_incl_vat_minor"] == 438  # 3.50 + 25 % VAT
    assert (body["hold_amount_minor"], body["currency"]) == (50_000, "SEK")

    started = await payment.http.post(body["start_path"])
    assert started.status_code == 201, started.text
    start = started.json()
    token, hold_id = start["link_token"], start["hold_id"]
    assert start["follow_path"] == f"/guest#{token}"
    assert start["session"]["status"] == "awaiting_payment"

    # The guest's browser confirms the hold with Stripe's SDK (card or wallet).
    await pay_with_card(start["client_secret"].split("_secret_")[0])
    confirmed = await payment.http.post("/v1/guest/session/confirmation", headers=guest(token))
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "authorized"

    session = await start_charging(payment, topic, streams, hold_id, None)
    await publish(
        topic,
        SessionUpdated(
            session_id=session.session_id,
            charge_point_id=cp_id,
            energy_wh=7_500,
            power_w=22_000.0,
            at=datetime.now(UTC),
        ),
        key=cp_id,
        source="connectivity",
    )

    async def followed() -> bool:
        body = (await payment.http.get("/v1/guest/session", headers=guest(token))).json()
        return bool(body["energy_wh"] == 7_500)

    await eventually(followed)
    following = (await payment.http.get("/v1/guest/session", headers=guest(token))).json()
    assert following["status"] == "charging" and following["invoice"] is None
    assert following["power_w"] == 22_000.0

    stopping = await payment.http.post("/v1/guest/session/stop", headers=guest(token))
    assert stopping.status_code == 200, stopping.text

    async def stop_sent() -> bool:
        return (await commands_to(cp_id))[-1].data["action"] == "RemoteStopTransaction"

    await eventually(stop_sent, timeout=90)
    stop = (await commands_to(cp_id))[-1].payload(CommandRequested)
    assert (stop.action, stop.payload) == (
        "RemoteStopTransaction",
        {"transactionId": int(session.transaction_id)},
    )
    await publish_session_stopped(
        topic,
        session_id=session.session_id,
        charge_point_id=cp_id,
        connector_id=1,
        transaction_id=session.transaction_id,
        id_tag=session.id_token,
        user_id=None,
        started_at=session.started_at,
    )
    await wait_for_status(payment, hold_id, "captured")
    done = (await payment.http.get("/v1/guest/session", headers=guest(token))).json()
    assert done["status"] == "captured" and done["captured_minor"] == TOTAL_20_KWH
    assert done["invoice"]["status"] == "paid"
    assert done["invoice"]["total_minor"] == done["invoice"]["amount_paid_minor"] == TOTAL_20_KWH

    pdf = await payment.http.get("/v1/guest/session/receipt.pdf", headers=guest(token))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Billed like any session, with no account: no customer, an invoice of nobody's.
    assert await payment.db.fetchval("select count(*) from customers") == 0
    owner = await payment.db.fetchval(
        "select user_id from invoices where session_id = $1", session.session_id
    )
    assert owner is None


async def test_forged_expired_and_foreign_guest_links_are_refused(
    payment: PaymentService, streams: dict[str, str]
) -> None:
    cp_id = await register_charger(payment, streams["registry"])
    await create_tariff(payment, charge_point_ids=[cp_id])
    start = (await payment.http.post(f"/v1/guest/connectors/{cp_id}/2/holds")).json()
    token = start["link_token"]
    assert (await payment.http.get("/v1/guest/session", headers=guest(token))).status_code == 200

    body, mac = token.split(".")
    forged_mac = body + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    other_hold = links.issue(uuid.uuid4(), SecretStr(SECRET), 60)[0].split(".")[0]
    spliced = other_hold + "." + mac  # another hold's id under this link's signature
    other_key = links.issue(uuid.UUID(start["hold_id"]), SecretStr("another-key"), 60)[0]
    expired = links.issue(
        uuid.UUID(start["hold_id"]),
        SecretStr(SECRET),
        60,
        now=datetime.now(UTC) - timedelta(hours=1),
    )[0]
    for bad in (forged_mac, spliced, other_key, expired, "not-a-link", ""):
        for method, path in (
            ("GET", "/v1/guest/session"),
            ("POST", "/v1/guest/session/stop"),
            ("GET", "/v1/guest/session/receipt.pdf"),
        ):
            response = await payment.http.request(method, path, headers=guest(bad))
            assert response.status_code == 401, (bad, path, response.text)
            assert response.json()["type"].endswith("guest-link-refused")
    assert (await payment.http.get("/v1/guest/session")).status_code == 422  # no link at all

    # A validly signed link to a driver's hold is not a guest's: nothing there.
    _, driver = new_driver()
    held = await payment.http.post(
        "/v1/payments/holds", json={"charge_point_id": cp_id, "connector_id": 1}, headers=driver
    )
    driver_link = links.issue(uuid.UUID(held.json()["id"]), SecretStr(SECRET), 60)[0]
    answer = await payment.http.get("/v1/guest/session", headers=guest(driver_link))
    assert answer.status_code == 404
    # Unknown connectors have no QR page.
    assert (await payment.http.get(f"/c/{cp_id}/9")).status_code == 404
