"""Starting from the app with the saved card: no hold, the charger started remotely with a
one-time token, the session billed at the stop to the default card by the ordinary collector
(charged in localstripe); refused clearly without a usable card, while owing, at an offline
charger, a busy or someone else's booked connector; drivers see only their own starts.
Identity, connectivity and booking are played by publishing their events on test topics."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.events.booking import ReservationConfirmed
from shared.events.chargepoints import (
    ChargePointConnected,
    ChargePointDisconnected,
    ConnectorStatusChanged,
)
from shared.events.commands import CommandRequested
from shared.events.payment import HoldAuthorized, HoldClosed
from tests.helpers.polling import eventually
from tests.payment.holds_support import (
    LOADED,
    accept_token,
    charger_answers,
    commands_to,
    hold_authorized,
    hold_events,
    new_topics,
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
    save_card,
    successful_charges,
)

TOTAL_20_KWH = 9375  # (20 kWh x 3.50 + 5.00) x 1.25
STARTS = "/v1/payments/card-starts"


@pytest.fixture(scope="module")
async def streams() -> AsyncIterator[dict[str, str]]:
    async with new_topics("id-tokens", "results", "registry", "status", "reservations") as names:
        yield names


@pytest.fixture(scope="module")
async def payment(topic: str, streams: dict[str, str]) -> AsyncIterator[PaymentService]:
    async with payment_with_holds(
        "test_pay_card_starts",
        topic,
        streams,
        status_topic=streams["status"],
        reservations_topic=streams["reservations"],
    ) as service:
        yield service


async def priced_charger(payment: PaymentService, streams: dict[str, str]) -> str:
    cp_id = await register_charger(payment, streams["registry"])
    await create_tariff(payment, charge_point_ids=[cp_id])
    return cp_id


async def start(
    payment: PaymentService, headers: dict[str, str], cp_id: str, connector: int = 2
) -> Any:
    return await payment.http.post(
        STARTS, json={"charge_point_id": cp_id, "connector_id": connector}, headers=headers
    )


def problem_type(response: Any) -> str:
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def test_a_driver_with_a_saved_card_starts_from_the_app_and_is_billed_like_rfid(
    payment: PaymentService, topic: str, streams: dict[str, str]
) -> None:
    user_id, headers = new_driver()
    await save_card(payment, headers)
    cp_id = await priced_charger(payment, streams)

    answer = await start(payment, headers, cp_id)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "authorized" and body["invoice_id"] is None
    assert "client_secret" not in body and "amount_minor" not in body
    start_id = body["id"]
    # Identity is asked to accept a one-time token for this connector, for this driver.
    event = await hold_authorized(start_id)
    assert (event.user_id, event.charge_point_id, event.connector_id) == (user_id, cp_id, 2)
    started = await start_charging(payment, topic, streams, start_id, user_id)
    assert (await commands_to(cp_id))[0].payload(CommandRequested).payload == {
        "connectorId": 2,
        "idTag": started.id_token,
    }

    stopped = await payment.http.post(f"{STARTS}/{start_id}/stop", headers=headers)
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["stop_requested_at"] is not None

    async def stop_sent() -> bool:
        return len(await commands_to(cp_id)) == 2

    await eventually(stop_sent, timeout=LOADED)
    assert (await commands_to(cp_id))[1].payload(CommandRequested).action == (
        "RemoteStopTransaction"
    )
    await publish_session_stopped(
        topic,
        session_id=started.session_id,
        charge_point_id=cp_id,
        connector_id=2,
        transaction_id=started.transaction_id,
        id_tag=started.id_token,
        user_id=user_id,
        started_at=started.started_at,
    )
    await wait_for_status(payment, start_id, "billed")

    # The ordinary collector charged the saved card off-session, as for an RFID session.
    async def paid() -> bool:
        invoice = await invoice_of_session(payment, started.session_id)
        return invoice is not None and invoice["status"] == "paid"

    await eventually(paid, timeout=LOADED)
    invoice = await invoice_of_session(payment, started.session_id)
    assert invoice is not None and invoice["total_minor"] == TOTAL_20_KWH
    key = await payment.db.fetchval(
        "select stripe_payment_intent_id from payments where invoice_id = $1", invoice["id"]
    )
    assert key is not None
    assert [c["amount"] for c in await successful_charges(payment.db, user_id)] == [TOTAL_20_KWH]
    read = (await payment.http.get(f"{STARTS}/{start_id}", headers=headers)).json()
    assert (read["status"], read["invoice_status"]) == ("billed", "paid")
    assert read["invoice_id"] == str(invoice["id"])

    # The token is spent: identity is told the start is over.
    async def closed() -> bool:
        events = await hold_events(start_id)
        return [e.type for e in events] == [HoldAuthorized.event_type, HoldClosed.event_type]

    await eventually(closed, timeout=LOADED)
    assert (await hold_events(start_id))[-1].payload(HoldClosed).outcome == "billed"
    listed = (await payment.http.get(STARTS, headers=headers)).json()
    assert [s["id"] for s in listed] == [start_id]
    # It is not a hold: the holds routes do not show it.
    assert (
        await payment.http.get(f"/v1/payments/holds/{start_id}", headers=headers)
    ).status_code == 404


async def test_a_charger_refusing_the_start_ends_it_visibly(
    payment: PaymentService, streams: dict[str, str]
) -> None:
    user_id, headers = new_driver()
    await save_card(payment, headers)
    cp_id = await priced_charger(payment, streams)
    answer = await start(payment, headers, cp_id)
    assert answer.status_code == 201, answer.text
    start_id = answer.json()["id"]
    event = await hold_authorized(start_id)
    await accept_token(streams["id-tokens"], event.id_token, user_id, cp_id, 2)

    async def start_sent() -> bool:
        return len(await commands_to(cp_id)) == 1

    await eventually(start_sent, timeout=LOADED)
    await charger_answers(streams["results"], (await commands_to(cp_id))[0], status="Rejected")
    await wait_for_status(payment, start_id, "canceled")
    read = (await payment.http.get(f"{STARTS}/{start_id}", headers=headers)).json()
    assert (read["status"], read["cancel_reason"]) == ("canceled", "charger-rejected")


async def test_starts_are_refused_without_a_card_and_while_owing(
    payment: PaymentService, topic: str, streams: dict[str, str]
) -> None:
    cp_id = await priced_charger(payment, streams)
    _, headers = new_driver()
    refused = await start(payment, headers, cp_id)
    assert (refused.status_code, problem_type(refused)) == (409, "no-payment-method")
    unknown = await start(payment, headers, "NO-SUCH-CP")
    assert unknown.status_code == 404

    # A declined charge makes the driver owe: no start with the card until it is paid.
    owing, owing_headers = new_driver()
    await save_card(payment, owing_headers, card="pm_card_chargeCustomerFail")
    session_id = str(uuid.uuid4())
    await publish_session_stopped(
        topic, session_id=session_id, charge_point_id=cp_id, user_id=owing
    )

    async def failed() -> bool:
        invoice = await invoice_of_session(payment, session_id)
        return invoice is not None and invoice["failed_attempts"] > 0

    await eventually(failed, timeout=LOADED)
    refused = await start(payment, owing_headers, cp_id)
    assert (refused.status_code, problem_type(refused)) == (409, "payment-overdue")
    assert await payment.db.fetchval("select count(*) from holds where user_id = $1", owing) == 0


async def test_starts_are_refused_at_an_offline_charger_a_busy_or_booked_connector(
    payment: PaymentService, streams: dict[str, str]
) -> None:
    _, headers = new_driver()
    await save_card(payment, headers)
    cp_id = await priced_charger(payment, streams)
    now = datetime.now(UTC)

    async def report(event: Any) -> None:
        await publish(streams["status"], event, key=cp_id, source="connectivity")

    async def heard(sql: str, *args: Any) -> None:
        async def applied() -> bool:
            return bool(await payment.db.fetchval(sql, *args))

        await eventually(applied, timeout=LOADED)

    await report(ChargePointDisconnected(charge_point_id=cp_id, reason="closed", at=now))
    await heard("select not online from charger_presence where charge_point_id = $1", cp_id)
    refused = await start(payment, headers, cp_id)
    assert (refused.status_code, problem_type(refused)) == (409, "charger-offline")

    later = now + timedelta(seconds=1)
    await report(ChargePointConnected(charge_point_id=cp_id, ocpp_version="1.6", at=later))
    await report(
        ConnectorStatusChanged(charge_point_id=cp_id, connector_id=2, status="Charging", at=later)
    )
    await heard(
        "select count(*) from connector_states where charge_point_id = $1 and status = 'Charging'",
        cp_id,
    )
    refused = await start(payment, headers, cp_id)
    assert (refused.status_code, problem_type(refused)) == (409, "connector-unavailable")

    # Connector 1 is booked now by another driver: refused for this one, open to its owner.
    owner, owner_headers = new_driver()
    await save_card(payment, owner_headers)
    reservation = str(uuid.uuid4())
    await publish(
        streams["reservations"],
        ReservationConfirmed(
            reservation_id=reservation,
            ocpp_reservation_id=1,
            kind="booking",
            user_id=owner,
            charge_point_id=cp_id,
            connector_id=1,
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(minutes=30),
            status="confirmed",
            charger_hold="not_sent",
            at=now,
        ),
        key=cp_id,
        source="booking",
    )
    await heard("select count(*) from reservation_holds where reservation_id = $1", reservation)
    refused = await start(payment, headers, cp_id, connector=1)
    assert (refused.status_code, problem_type(refused)) == (409, "connector-booked")
    mine = await start(payment, owner_headers, cp_id, connector=1)
    assert mine.status_code == 201, mine.text
    # Being started now: nobody else starts it meanwhile.
    again = await start(payment, headers, cp_id, connector=1)
    assert again.status_code == 409

    # Only its driver sees or stops it; staff have no business with it.
    for other in (headers, auth(str(uuid.uuid4()), "driver")):
        start_id = mine.json()["id"]
        assert (await payment.http.get(f"{STARTS}/{start_id}", headers=other)).status_code == 404
        stop = await payment.http.post(f"{STARTS}/{start_id}/stop", headers=other)
        assert stop.status_code == 404
        assert (await payment.http.get(STARTS, headers=other)).json() == []
    staff = await payment.http.get(f"{STARTS}/{start_id}", headers=auth("op", "operator"))
    assert staff.status_code == 403
    # Giving up before the charger started: the attempt ends, visibly.
    gave_up = await payment.http.post(f"{STARTS}/{start_id}/stop", headers=owner_headers)
    assert gave_up.status_code == 200, gave_up.text
    assert (gave_up.json()["status"], gave_up.json()["cancel_reason"]) == (
        "canceled",
        "stopped-by-payer",
    )


async def test_a_start_that_never_begins_ends_at_its_deadline(
    payment: PaymentService, streams: dict[str, str]
) -> None:
    _, headers = new_driver()
    await save_card(payment, headers)
    cp_id = await priced_charger(payment, streams)
    answer = await start(payment, headers, cp_id)
    assert answer.status_code == 201, answer.text
    start_id = answer.json()["id"]
    # No decision, no session: the start deadline passes (brought forward here).
    await payment.db.execute(
        "update holds set start_deadline = now() - interval '1 second' where id = $1",
        uuid.UUID(start_id),
    )
    await wait_for_status(payment, start_id, "canceled")
    read = (await payment.http.get(f"{STARTS}/{start_id}", headers=headers)).json()
    assert read["cancel_reason"] == "not-started"

    async def closed() -> bool:
        return [e.type for e in await hold_events(start_id)][-1] == HoldClosed.event_type

    await eventually(closed, timeout=LOADED)
