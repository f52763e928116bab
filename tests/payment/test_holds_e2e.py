"""Pay as you go end to end: real payment, identity and connectivity services on the real
platform topics, a simulated OCPP 1.6 charger receiving the remote start with the hold's
one-time token, charging 20 kWh, and the real amount captured in localstripe.

Payment reads its inputs through test topics of its own, fed by a bridge that forwards from
the platform's topics only the events of this test's charger and of hold tokens: payment's
consumers would otherwise bill every session other test runs put on charging.sessions.v1."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from ocpp.v16 import call

from services.identity.app import create_app as create_identity
from shared.db import create_pool
from shared.events.envelope import Envelope
from shared.events.topics import (
    CHARGEPOINTS_REGISTRY,
    CHARGING_SESSIONS,
    CONNECTIVITY_COMMAND_RESULTS,
    IDENTITY_ID_TOKENS,
    Topic,
)
from shared.kafka import create_producer
from tests.connectivity.clients import charger
from tests.connectivity.support import create_charge_point, running, settings_for
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, serve, unique, wait_until_ready
from tests.identity.conftest import identity_settings
from tests.payment.holds_support import (
    new_topics,
    pay_with_card,
    payment_with_holds,
    wait_for_status,
)
from tests.payment.support import (
    PaymentService,
    create_tariff,
    invoice_of_session,
    new_driver,
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


@pytest.fixture(scope="module")
async def platform(
    topic: str,
) -> AsyncIterator[tuple[PaymentService, str, str, Bridge]]:
    """payment, connectivity's OCPP URL and database URL, and the bridge."""
    async with contextlib.AsyncExitStack() as stack:
        streams = await stack.enter_async_context(new_topics("id-tokens", "results", "registry"))
        bridge = await stack.enter_async_context(
            Bridge(
                {
                    CHARGING_SESSIONS: topic,
                    CONNECTIVITY_COMMAND_RESULTS: streams["results"],
                    CHARGEPOINTS_REGISTRY: streams["registry"],
                    IDENTITY_ID_TOKENS: streams["id-tokens"],
                }
            )
        )
        identity_app = create_identity(identity_settings(await fresh_database("test_pay_e2e_id")))
        identity_url = await stack.enter_async_context(serve(identity_app))
        await wait_until_ready(identity_url)
        connectivity = await stack.enter_async_context(
            running(settings_for(await fresh_database("test_pay_e2e_conn")))
        )
        payment = await stack.enter_async_context(
            payment_with_holds("test_pay_e2e", topic, streams)
        )
        yield payment, connectivity.ocpp_url, connectivity.dsn, bridge


async def test_pay_as_you_go_with_a_charger_started_remotely(
    platform: tuple[PaymentService, str, str, Bridge],
) -> None:
    payment, ocpp_url, connectivity_dsn, bridge = platform
    cp_id = unique("E2E-HOLD")
    bridge.charge_points.add(cp_id)
    # The operator provisions the charger in connectivity; payment learns of it from the registry.
    pool = await create_pool(connectivity_dsn)
    try:
        async with pool.acquire() as conn, conn.transaction():
            _, password = await create_charge_point(conn, id=cp_id)

        async def known() -> bool:
            return bool(
                await payment.db.fetchval("select count(*) from charge_points where id = $1", cp_id)
            )

        await eventually(known, timeout=60)
        await create_tariff(payment, charge_point_ids=[cp_id])
        _, headers = new_driver()

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
            async def remote_start() -> bool:
                return any(action == "RemoteStartTransaction" for action, _ in cp.received)

            await eventually(remote_start, timeout=60)
            request = next(kw for action, kw in cp.received if action == "RemoteStartTransaction")
            id_tag = request["id_tag"]
            assert request["connector_id"] == 2 and id_tag.startswith("H")

            async def token_known() -> bool:
                return bool(
                    await pool.fetchval(
                        "select count(*) from id_token_restrictions where uid = $1", id_tag
                    )
                )

            await eventually(token_known, timeout=60)
            # Another connector is refused with the token; its own accepts it.
            began = datetime.now(UTC) - timedelta(hours=1)
            stamp = began.isoformat().replace("+00:00", "Z")
            elsewhere = await cp.call(
                call.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=0, timestamp=stamp)
            )
            assert elsewhere.id_tag_info["status"] == "Invalid"
            started = await cp.call(
                call.StartTransaction(connector_id=2, id_tag=id_tag, meter_start=0, timestamp=stamp)
            )
            assert started.id_tag_info["status"] == "Accepted"
            await wait_for_status(payment, hold["id"], "charging")

            await cp.call(
                call.StopTransaction(
                    meter_stop=20_000,
                    timestamp=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
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

            # Used and closed: the token starts nothing any more.
            async def refused() -> bool:
                answer = await cp.call(call.Authorize(id_tag=id_tag))
                return bool(answer.id_tag_info["status"] == "Invalid")

            await eventually(refused, timeout=60)
    finally:
        await pool.close()
