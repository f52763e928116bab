"""Pay as you go from the app: a hold authorised in localstripe, the charger started remotely,
the real amount captured at the stop; holds released when the session never starts or the
charger refuses. Connectivity and identity are played by publishing their events on Kafka (the
real topics' contracts); their own sides are tested in tests/connectivity and tests/identity."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from shared.events.charging import SessionStarted, SessionUpdated
from shared.events.commands import CommandRequested
from shared.events.identity import IdTokenDecisionChanged
from shared.events.payment import HoldAuthorized, HoldClosed
from tests.helpers.polling import eventually
from tests.payment.holds_support import (
    LOADED,
    accept_token,
    authorized_events,
    charger_answers,
    commands_to,
    hold_authorized,
    hold_events,
    hold_row,
    intent,
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
    auth,
    create_tariff,
    invoice_of_session,
    new_driver,
    publish_session_stopped,
)

TOTAL_20_KWH = 9375  # (20 kWh x 3.50 + 5.00) x 1.25
HOLD = 50_000


@pytest.fixture(scope="module")
async def streams() -> AsyncIterator[dict[str, str]]:
    async with new_topics("id-tokens", "results", "registry") as names:
        yield names


@pytest.fixture(scope="module")
async def payment(topic: str, streams: dict[str, str]) -> AsyncIterator[PaymentService]:
    async with payment_with_holds("test_pay_holds", topic, streams) as service:
        yield service


async def authorised_hold(
    payment: PaymentService,
    streams: dict[str, str],
    headers: dict[str, str],
    *,
    version: str = "1.6",
) -> tuple[str, dict[str, object]]:
    """A charger with a tariff, a hold opened by the driver and confirmed with a card."""
    cp_id = await register_charger(payment, streams["registry"], version=version)
    await create_tariff(payment, charge_point_ids=[cp_id])
    opened = await payment.http.post(
        "/v1/payments/holds", json={"charge_point_id": cp_id, "connector_id": 2}, headers=headers
    )
    assert opened.status_code == 201, opened.text
    hold = opened.json()
    assert hold["status"] == "awaiting_payment" and hold["client_secret"]
    assert (hold["amount_minor"], hold["currency"]) == (HOLD, "SEK")
    row = await wait_for_status(payment, hold["id"], "awaiting_payment")
    confirmed = await pay_with_card(row["stripe_payment_intent_id"])
    assert confirmed["status"] == "requires_capture"
    checked = await payment.http.post(
        f"/v1/payments/holds/{hold['id']}/confirmation", headers=headers
    )
    assert checked.status_code == 200 and checked.json()["status"] == "authorized"
    return cp_id, hold


async def test_pay_as_you_go_hold_start_stop_and_capture(
    payment: PaymentService, topic: str, streams: dict[str, str]
) -> None:
    user_id, headers = new_driver()
    cp_id, hold = await authorised_hold(payment, streams, headers)
    hold_id = str(hold["id"])

    # Payment tells identity; identity's Accepted decision for the one-time token follows.
    authorized = await authorized_events(hold_id)
    assert len(authorized) == 1
    event = authorized[0].payload(HoldAuthorized)
    assert (event.user_id, event.charge_point_id, event.connector_id) == (user_id, cp_id, 2)
    assert len(event.id_token) <= 20  # an OCPP 1.6 idTag
    await accept_token(streams["id-tokens"], event.id_token, user_id, cp_id, 2)
    await wait_for_status(payment, hold_id, "starting")

    # The remote start, as payment's service account with the start scope.
    async def start_sent() -> bool:
        return len(await commands_to(cp_id)) == 1

    await eventually(start_sent, timeout=LOADED)
    command = (await commands_to(cp_id))[0]
    start = command.payload(CommandRequested)
    assert start.action == "RemoteStartTransaction"
    assert start.payload == {"connectorId": 2, "idTag": event.id_token}
    assert (start.requested_by, start.requested_scopes) == ("svc-payment", ["commands:start"])

    # The charger accepts and starts the session with the token.
    await charger_answers(streams["results"], command)
    began = datetime.now(UTC) - timedelta(hours=1)
    session_id = "sess-" + hold_id[:8]
    await publish(
        topic,
        SessionStarted(
            session_id=session_id,
            charge_point_id=cp_id,
            connector_id=2,
            transaction_id="4711",
            id_tag=event.id_token,
            user_id=user_id,
            authorization="Accepted",
            started_at=began,
            meter_start_wh=0,
        ),
        key=cp_id,
        source="connectivity",
    )
    await wait_for_status(payment, hold_id, "charging")

    # The driver stops from the app: the charger is told to end the transaction.
    stopped = await payment.http.post(f"/v1/payments/holds/{hold_id}/stop", headers=headers)
    assert stopped.status_code == 200, stopped.text

    async def stop_sent() -> bool:
        return len(await commands_to(cp_id)) == 2

    await eventually(stop_sent, timeout=LOADED)
    stop = (await commands_to(cp_id))[1].payload(CommandRequested)
    assert (stop.action, stop.payload) == ("RemoteStopTransaction", {"transactionId": 4711})

    await publish_session_stopped(
        topic,
        session_id=session_id,
        charge_point_id=cp_id,
        connector_id=2,
        transaction_id="4711",
        id_tag=event.id_token,
        user_id=user_id,
        started_at=began,
    )
    row = await wait_for_status(payment, hold_id, "captured")
    assert row["captured_minor"] == TOTAL_20_KWH and row["released"]

    invoice = await invoice_of_session(payment, session_id)
    assert invoice is not None and invoice["status"] == "paid"
    detail = (await payment.http.get(f"/v1/invoices/{invoice['id']}", headers=headers)).json()
    assert detail["total_minor"] == detail["amount_paid_minor"] == TOTAL_20_KWH
    assert [(p["status"], p["amount_minor"]) for p in detail["payments"]] == [
        ("succeeded", TOTAL_20_KWH)
    ]
    # Stripe captured the real amount; the rest of the hold went back to the card.
    captured = await intent(row["stripe_payment_intent_id"])
    assert captured["status"] == "succeeded"
    charge = captured["latest_charge"]
    charge_id = charge if isinstance(charge, str) else charge["id"]
    from tests.payment.support import stripe_client

    async with stripe_client() as client:
        refunds = await client.v1.refunds.list_async(params={"charge": charge_id})
    assert sum(r.amount for r in refunds.data) == HOLD - TOTAL_20_KWH

    async def closed() -> bool:
        events = await hold_events(hold_id)
        return [e.type for e in events] == [HoldAuthorized.event_type, HoldClosed.event_type]

    await eventually(closed, timeout=LOADED)
    assert (await hold_events(hold_id))[-1].payload(HoldClosed).outcome == "captured"
    # The driver's card was never saved: nothing is charged off-session, the hold paid it all.
    assert await payment.db.fetchval("select count(*) from payments") >= 1


async def test_a_hold_is_released_when_the_session_never_starts(
    payment: PaymentService, streams: dict[str, str]
) -> None:
    user_id, headers = new_driver()
    cp_id, hold = await authorised_hold(payment, streams, headers, version="2.0.1")
    hold_id = str(hold["id"])
    event = await hold_authorized(hold_id)
    await accept_token(streams["id-tokens"], event.id_token, user_id, cp_id, 2)
    await wait_for_status(payment, hold_id, "starting")

    async def start_sent() -> bool:
        return len(await commands_to(cp_id)) == 1

    await eventually(start_sent, timeout=LOADED)
    start = (await commands_to(cp_id))[0].payload(CommandRequested)
    assert start.action == "RequestStartTransaction"
    assert start.payload["idToken"] == {"idToken": event.id_token, "type": "Central"}
    assert start.payload["evseId"] == 2

    # The charger said yes but no session came: the start deadline passes (brought forward
    # here instead of waiting hold_start_timeout_s).
    await payment.db.execute(
        "update holds set start_deadline = now() - interval '1 second' where id = $1::uuid",
        hold_id,
    )
    row = await wait_for_status(payment, hold_id, "canceled")
    assert row["cancel_reason"] == "not-started"

    async def released() -> bool:
        return bool((await wait_for_status(payment, hold_id, "canceled"))["released"])

    await eventually(released, timeout=LOADED)
    assert (await intent(row["stripe_payment_intent_id"]))["status"] == "canceled"

    async def token_closed() -> bool:
        return [e.type for e in await hold_events(hold_id)][-1] == HoldClosed.event_type

    await eventually(token_closed)


async def test_a_hold_is_released_when_the_charger_refuses(
    payment: PaymentService, streams: dict[str, str]
) -> None:
    user_id, headers = new_driver()
    cp_id, hold = await authorised_hold(payment, streams, headers)
    hold_id = str(hold["id"])
    event = await hold_authorized(hold_id)
    await accept_token(streams["id-tokens"], event.id_token, user_id, cp_id, 2)

    async def start_sent() -> bool:
        return len(await commands_to(cp_id)) == 1

    await eventually(start_sent, timeout=LOADED)
    await charger_answers(streams["results"], (await commands_to(cp_id))[0], status="Rejected")
    row = await wait_for_status(payment, hold_id, "canceled")
    assert row["cancel_reason"] == "charger-rejected"

    async def released() -> bool:
        current = await wait_for_status(payment, hold_id, "canceled")
        return bool(current["released"])

    await eventually(released, timeout=LOADED)
    assert (await intent(row["stripe_payment_intent_id"]))["status"] == "canceled"


async def test_a_hold_is_released_when_identity_refuses_its_token(
    payment: PaymentService, streams: dict[str, str]
) -> None:
    """A driver disabled meanwhile: identity answers Blocked instead of Accepted."""
    user_id, headers = new_driver()
    cp_id, hold = await authorised_hold(payment, streams, headers)
    hold_id = str(hold["id"])
    event = await hold_authorized(hold_id)
    await publish(
        streams["id-tokens"],
        IdTokenDecisionChanged(
            uid=event.id_token,
            kind="hold",
            user_id=user_id,
            decision="Blocked",
            reason="account-disabled",
            charge_point_id=cp_id,
            connector_id=2,
            single_use=True,
        ),
        key=event.id_token,
        source="identity",
    )
    row = await wait_for_status(payment, hold_id, "canceled")
    assert row["cancel_reason"] == "token-blocked"
    assert await commands_to(cp_id) == []  # the charger is never asked


async def test_a_session_is_stopped_when_its_price_nears_the_hold(
    payment: PaymentService, topic: str, streams: dict[str, str]
) -> None:
    user_id, headers = new_driver()
    cp_id, hold = await authorised_hold(payment, streams, headers)
    hold_id = str(hold["id"])
    session = await start_charging(payment, topic, streams, hold_id, user_id)

    async def progress(energy_wh: int) -> None:
        await publish(
            topic,
            SessionUpdated(
                session_id=session.session_id,
                charge_point_id=cp_id,
                energy_wh=energy_wh,
                power_w=11_000.0,
                at=datetime.now(UTC),
            ),
            key=cp_id,
            source="connectivity",
        )

    async def energy_is(wh: int) -> bool:
        followed = await payment.http.get(f"/v1/payments/holds/{hold_id}", headers=headers)
        return bool(followed.json()["energy_wh"] == wh)

    # 20 kWh so far: 93.75 SEK of 500.00 held, the session goes on.
    await progress(20_000)
    await eventually(lambda: energy_is(20_000))
    assert [e.data["action"] for e in await commands_to(cp_id)] == ["RemoteStartTransaction"]
    # 102 kWh: (102 x 3.50 + 5.00) x 1.25 = 452.50 SEK, past 90 % of the hold: stop it.
    await progress(102_000)

    async def stop_sent() -> bool:
        return [e.data["action"] for e in await commands_to(cp_id)] == [
            "RemoteStartTransaction",
            "RemoteStopTransaction",
        ]

    await eventually(stop_sent, timeout=LOADED)
    row = await hold_row(payment, hold_id)
    assert row["stop_requested_at"] is not None and row["energy_wh"] == 102_000
    # Further progress does not send the stop again.
    await progress(103_000)
    await eventually(lambda: energy_is(103_000))
    assert len(await commands_to(cp_id)) == 2


async def test_holds_of_other_drivers_are_not_found(
    payment: PaymentService, streams: dict[str, str]
) -> None:
    _, owner = new_driver()
    cp_id = await register_charger(payment, streams["registry"])
    await create_tariff(payment, charge_point_ids=[cp_id])
    opened = await payment.http.post(
        "/v1/payments/holds", json={"charge_point_id": cp_id, "connector_id": 1}, headers=owner
    )
    assert opened.status_code == 201
    hold_id = opened.json()["id"]
    _, other = new_driver()
    for method, path in (
        ("GET", f"/v1/payments/holds/{hold_id}"),
        ("POST", f"/v1/payments/holds/{hold_id}/confirmation"),
        ("POST", f"/v1/payments/holds/{hold_id}/stop"),
    ):
        response = await payment.http.request(method, path, headers=other)
        assert response.status_code == 404, (path, response.text)
    assert [
        h["id"] for h in (await payment.http.get("/v1/payments/holds", headers=other)).json()
    ] == []
    # Staff read holds (support answers drivers) but never the payer's client secret.
    staff = await payment.http.get(
        f"/v1/payments/holds/{hold_id}", headers=auth("support-1", "support")
    )
    assert staff.status_code == 200 and staff.json()["client_secret"] is None
    assert (await payment.http.get(f"/v1/payments/holds/{hold_id}")).status_code == 401
    for role in ("support", "operator"):
        opened_by_staff = await payment.http.post(
            "/v1/payments/holds",
            json={"charge_point_id": cp_id, "connector_id": 1},
            headers=auth("staff-1", role),
        )
        assert opened_by_staff.status_code == 403
    # Unknown connectors have nothing to hold for.
    missing = await payment.http.post(
        "/v1/payments/holds", json={"charge_point_id": cp_id, "connector_id": 3}, headers=owner
    )
    assert missing.status_code == 404
