"""Starting from the app end to end: real payment, identity and connectivity services on the
real platform topics, a simulated OCPP 1.6 charger receiving the remote start with the one-time
token, charging 20 kWh; paid as you go (the real amount captured from a hold in localstripe), or
with the saved card (billed after the stop, charged off-session in localstripe).

Payment reads its inputs through test topics of its own, fed by a bridge that forwards from
the platform's topics only the events of this test's charger and of hold tokens: payment's
consumers would otherwise bill every session other test runs put on charging.sessions.v1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from ocpp.v16 import call

from services.identity.app import create_app as create_identity
from shared.db import create_pool
from shared.events.commands import CommandRequested
from shared.events.envelope import Envelope, EventPayload
from shared.events.identity import IdTokenDecisionChanged
from shared.events.topics import (
    BOOKING_RESERVATIONS,
    CHARGEPOINTS_REGISTRY,
    CHARGEPOINTS_STATUS,
    CHARGING_SESSIONS,
    CONNECTIVITY_COMMAND_RESULTS,
    CONNECTIVITY_COMMANDS,
    IDENTITY_ID_TOKENS,
    Topic,
)
from shared.kafka import create_producer
from tests.connectivity.clients import charger
from tests.connectivity.support import create_charge_point, running, settings_for
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, serve, unique, wait_until_ready
from tests.identity.conftest import PASSWORD, identity_settings
from tests.payment.holds_support import (
    new_topics,
    pay_with_card,
    payment_with_holds,
    wait_for_status,
)
from tests.payment.support import (
    PaymentService,
    auth,
    create_tariff,
    invoice_of_session,
    save_card,
    successful_charges,
)

BOOTSTRAP = os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"]
TOTAL_20_KWH = 9375  # (20 kWh x 3.50 + 5.00) x 1.25


class Bridge:
    """Forwards, from the platform's topics to payment's test topics, what concerns this test."""

    def __init__(self, routes: dict[Topic, str]) -> None:
        self._routes = {topic.name: target for topic, target in routes.items()}
        self._partitions = [
            TopicPartition(topic.name, p) for topic in routes for p in range(topic.partitions)
        ]
        self.charge_points: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def wanted(self, topic: str, key: str, envelope: Envelope) -> bool:
        if topic == IDENTITY_ID_TOKENS.name:
            return envelope.data.get("kind") == "hold"
        return key in self.charge_points

    async def __aenter__(self) -> Bridge:
        consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)
        await consumer.start()
        consumer.assign(self._partitions)
        await consumer.seek_to_end(*self._partitions)
        for partition in self._partitions:
            await consumer.position(partition)  # resolve "now" before anything is published
        producer = create_producer(BOOTSTRAP, client_id="test-bridge")
        await producer.start()

        async def forward() -> None:
            try:
                async for record in consumer:
                    key = (record.key or b"").decode()
                    envelope = Envelope.from_bytes(record.value or b"")
                    if self.wanted(record.topic, key, envelope):
                        await producer.send_and_wait(
                            self._routes[record.topic], record.value, key=record.key
                        )
            finally:
                await consumer.stop()
                await producer.stop()

        self._task = asyncio.create_task(forward())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def caught_up(connectivity_dsn: str) -> None:
    """Connectivity's consumers replay the platform's commands and id-token decisions from the
    start; wait until they reach the end (a marker event on every partition is in its inbox),
    so this test's own events are not queued behind other runs' history."""

    def marker(topic: Topic) -> EventPayload:
        if topic is CONNECTIVITY_COMMANDS:  # for a charger nobody has: never executed
            return CommandRequested(
                command_id=str(uuid.uuid4()),
                charge_point_id=unique("MARKER"),
                action="Reset",
                payload={"type": "Soft"},
                timeout_s=1,
            )
        return IdTokenDecisionChanged(
            uid=unique("MARKER"), kind="rfid", user_id=None, decision="Invalid"
        )

    producer = create_producer(BOOTSTRAP, client_id="test-marker")
    await producer.start()
    ids = []
    try:
        for topic in (CONNECTIVITY_COMMANDS, IDENTITY_ID_TOKENS):
            for partition in range(topic.partitions):
                envelope = Envelope.wrap(
                    marker(topic), source="test", subject="marker", correlation_id=None
                )
                await producer.send_and_wait(
                    topic.name, envelope.to_bytes(), key=b"marker", partition=partition
                )
                ids.append(envelope.id)
    finally:
        await producer.stop()
    pool = await create_pool(connectivity_dsn)
    try:

        async def all_seen() -> bool:
            seen = await pool.fetchval(
                "select count(distinct event_id) from inbox where event_id = any($1::uuid[])", ids
            )
            return bool(seen == len(ids))

        await eventually(all_seen, timeout=600)
    finally:
        await pool.close()


@pytest.fixture(scope="module")
async def platform(
    topic: str,
) -> AsyncIterator[tuple[PaymentService, str, str, Bridge, str]]:
    """payment, connectivity's OCPP URL and database URL, the bridge, identity's URL."""
    async with contextlib.AsyncExitStack() as stack:
        streams = await stack.enter_async_context(
            new_topics("id-tokens", "results", "registry", "holds", "status", "reservations")
        )
        bridge = await stack.enter_async_context(
            Bridge(
                {
                    CHARGING_SESSIONS: topic,
                    CONNECTIVITY_COMMAND_RESULTS: streams["results"],
                    CHARGEPOINTS_REGISTRY: streams["registry"],
                    IDENTITY_ID_TOKENS: streams["id-tokens"],
                    CHARGEPOINTS_STATUS: streams["status"],
                    BOOKING_RESERVATIONS: streams["reservations"],
                }
            )
        )
        # Payment publishes its holds on a topic of this test's own, and this identity decides
        # them: no other identity of any test run answers them (tests/conftest.py).
        identity_app = create_identity(
            identity_settings(
                await fresh_database("test_pay_e2e_id"),
                decide_hold_tokens=True,
                holds_topic=streams["holds"],
            )
        )
        identity_url = await stack.enter_async_context(serve(identity_app))
        await wait_until_ready(identity_url)
        connectivity = await stack.enter_async_context(
            running(settings_for(await fresh_database("test_pay_e2e_conn")))
        )
        await caught_up(connectivity.dsn)
        payment = await stack.enter_async_context(
            payment_with_holds(
                "test_pay_e2e",
                topic,
                streams,
                hold_start_timeout_s=900,
                holds_topic=streams["holds"],
                status_topic=streams["status"],
                reservations_topic=streams["reservations"],
            )
        )
        yield payment, connectivity.ocpp_url, connectivity.dsn, bridge, identity_url


async def provisioned_charger(
    payment: PaymentService, pool: asyncpg.Pool, bridge: Bridge, prefix: str
) -> tuple[str, str]:
    """An operator provisions a priced charger in connectivity; payment learns of it from the
    registry. Its id and password."""
    cp_id = unique(prefix)
    bridge.charge_points.add(cp_id)
    async with pool.acquire() as conn, conn.transaction():
        _, password = await create_charge_point(conn, id=cp_id)

    async def known() -> bool:
        return bool(
            await payment.db.fetchval(
                "select count(*) from charge_points where id = $1 and approval = 'approved'",
                cp_id,
            )
        )

    await eventually(known, timeout=180)
    await create_tariff(payment, charge_point_ids=[cp_id])
    return cp_id, password


async def registered_driver(identity_url: str) -> tuple[str, dict[str, str]]:
    """A driver with an account at identity (an app start of an unknown user is refused)."""
    async with httpx.AsyncClient(base_url=identity_url, timeout=30) as identity:
        registered = await identity.post(
            "/v1/auth/register",
            json={"email": f"{unique('driver')}@example.com", "password": PASSWORD},
        )
    assert registered.status_code == 201, registered.text
    user_id = registered.json()["id"]
    return user_id, auth(user_id, "driver")


async def remote_start_tag(cp: Any, pool: asyncpg.Pool) -> str:
    """The charger was told to start connector 2; connectivity knows the one-time token."""

    async def remote_start() -> bool:
        return any(action == "RemoteStartTransaction" for action, _ in cp.received)

    await eventually(remote_start, timeout=180)
    request = next(kw for action, kw in cp.received if action == "RemoteStartTransaction")
    id_tag: str = request["id_tag"]
    assert request["connector_id"] == 2 and id_tag.startswith("H")

    async def token_known() -> bool:
        return bool(
            await pool.fetchval("select count(*) from id_token_restrictions where uid = $1", id_tag)
        )

    await eventually(token_known, timeout=180)
    return id_tag


def stamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def refused_after_use(cp: Any, id_tag: str) -> None:
    """Used and closed: the token starts nothing any more."""

    async def refused() -> bool:
        answer = await cp.call(call.Authorize(id_tag=id_tag))
        return bool(answer.id_tag_info["status"] == "Invalid")

    await eventually(refused, timeout=180)


async def test_pay_as_you_go_with_a_charger_started_remotely(
    platform: tuple[PaymentService, str, str, Bridge, str],
) -> None:
    payment, ocpp_url, connectivity_dsn, bridge, identity_url = platform
    pool = await create_pool(connectivity_dsn)
    try:
        cp_id, password = await provisioned_charger(payment, pool, bridge, "E2E-HOLD")
        _, headers = await registered_driver(identity_url)

        async with charger(ocpp_url, cp_id, password) as cp:
            opened = await payment.http.post(
                "/v1/payments/holds",
                json={"charge_point_id": cp_id, "connector_id": 2},
                headers=headers,
            )
            assert opened.status_code == 201, opened.text
            hold = opened.json()
            await pay_with_card(hold["client_secret"].split("_secret_")[0])
            await payment.http.post(
                f"/v1/payments/holds/{hold['id']}/confirmation", headers=headers
            )
            # identity decides the token, payment asks connectivity, the charger is told.
            id_tag = await remote_start_tag(cp, pool)
            # Another connector is refused with the token; its own accepts it.
            began = stamp(datetime.now(UTC) - timedelta(hours=1))
            elsewhere = await cp.call(
                call.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=0, timestamp=began)
            )
            assert elsewhere.id_tag_info["status"] == "Invalid"
            started = await cp.call(
                call.StartTransaction(connector_id=2, id_tag=id_tag, meter_start=0, timestamp=began)
            )
            assert started.id_tag_info["status"] == "Accepted"
            await wait_for_status(payment, hold["id"], "charging")

            await cp.call(
                call.StopTransaction(
                    meter_stop=20_000,
                    timestamp=stamp(datetime.now(UTC)),
                    transaction_id=started.transaction_id,
                    reason="Remote",
                    id_tag=id_tag,
                )
            )
            row = await wait_for_status(payment, hold["id"], "captured")
            assert row["captured_minor"] == TOTAL_20_KWH
            invoice = await invoice_of_session(payment, row["session_id"])
            assert invoice is not None and invoice["status"] == "paid"
            assert invoice["total_minor"] == TOTAL_20_KWH
            await refused_after_use(cp, id_tag)
    finally:
        await pool.close()


async def test_a_driver_starts_with_the_saved_card_and_the_invoice_is_paid_by_it(
    platform: tuple[PaymentService, str, str, Bridge, str],
) -> None:
    payment, ocpp_url, connectivity_dsn, bridge, identity_url = platform
    pool = await create_pool(connectivity_dsn)
    try:
        cp_id, password = await provisioned_charger(payment, pool, bridge, "E2E-CARD")
        user_id, headers = await registered_driver(identity_url)
        _, cardless = await registered_driver(identity_url)
        card = await save_card(payment, headers)
        starts = "/v1/payments/card-starts"
        body = {"charge_point_id": cp_id, "connector_id": 2}

        async with charger(ocpp_url, cp_id, password) as cp:
            # Connectivity's status reports reach payment: the charger is online.
            async def online() -> bool:
                return bool(
                    await payment.db.fetchval(
                        "select online from charger_presence where charge_point_id = $1", cp_id
                    )
                )

            await eventually(online, timeout=180)
            refused = await payment.http.post(starts, json=body, headers=cardless)
            assert refused.status_code == 409
            assert refused.json()["type"].endswith("/no-payment-method")

            opened = await payment.http.post(starts, json=body, headers=headers)
            assert opened.status_code == 201, opened.text
            start_id = opened.json()["id"]
            other = await payment.http.get(f"{starts}/{start_id}", headers=cardless)
            assert other.status_code == 404
            # No hold, no card form: identity decides the token, the charger is told at once.
            id_tag = await remote_start_tag(cp, pool)
            began = stamp(datetime.now(UTC) - timedelta(hours=1))
            started = await cp.call(
                call.StartTransaction(connector_id=2, id_tag=id_tag, meter_start=0, timestamp=began)
            )
            assert started.id_tag_info["status"] == "Accepted"
            await wait_for_status(payment, start_id, "charging")
            # The session is the driver's, as an RFID session would be.
            owner = await pool.fetchval(
                "select user_id from charging_sessions where id_tag = $1", id_tag
            )
            assert owner == user_id

            stop = await payment.http.post(f"{starts}/{start_id}/stop", headers=headers)
            assert stop.status_code == 200, stop.text

            async def remote_stop() -> bool:
                return any(action == "RemoteStopTransaction" for action, _ in cp.received)

            await eventually(remote_stop, timeout=180)
            await cp.call(
                call.StopTransaction(
                    meter_stop=20_000,
                    timestamp=stamp(datetime.now(UTC)),
                    transaction_id=started.transaction_id,
                    reason="Remote",
                    id_tag=id_tag,
                )
            )

            async def paid() -> bool:
                read = (await payment.http.get(f"{starts}/{start_id}", headers=headers)).json()
                return bool(read["status"] == "billed" and read["invoice_status"] == "paid")

            await eventually(paid, timeout=180)
            charges = await successful_charges(payment.db, user_id)
            assert [c["amount"] for c in charges] == [TOTAL_20_KWH]
            assert charges[0]["payment_method"] == card["id"]  # the saved card, off-session
            await refused_after_use(cp, id_tag)
    finally:
        await pool.close()
