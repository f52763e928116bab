"""A service reports not-ready while PostgreSQL or Kafka is down, and recovers by itself.

These tests really stop and start the local stack's PostgreSQL and Kafka, so they run last.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import SecretStr

from services.booking.app import create_app
from services.booking.settings import Settings
from shared.events.envelope import Envelope, EventPayload
from shared.events.topics import Topic
from shared.outbox import enqueue
from shared.service import ServiceRuntime
from tests.helpers.stack import fresh_database, serve, stack_command, unique, wait_until_ready

pytestmark = pytest.mark.disruptive

BOOTSTRAP = os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"]


class ProbeBuffered(EventPayload):
    event_type: ClassVar[str] = "probe.buffered"
    topic: ClassVar[Topic] = Topic(unique("ladda.test.buffered"), partitions=1)

    probe_id: str


@pytest.fixture(scope="module")
async def buffered_topic() -> AsyncIterator[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        name = ProbeBuffered.topic.name
        await admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


@pytest.fixture(scope="module")
async def booking() -> AsyncIterator[tuple[str, Any]]:
    dsn = await fresh_database("test_resilience_booking")
    app = create_app(Settings(database_url=SecretStr(dsn)))
    async with serve(app) as url:
        await wait_until_ready(url)
        yield url, app


async def readiness(url: str) -> tuple[int, dict[str, bool]]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"{url}/readyz")
    return response.status_code, response.json()["checks"]


async def wait_for_readiness(url: str, status: int, timeout: float = 60) -> dict[str, bool]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        code, checks = await readiness(url)
        if code == status:
            return checks
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"readiness stayed {code} {checks}, wanted {status}")
        await asyncio.sleep(0.2)


async def test_not_ready_while_database_is_down_and_ready_again_after(
    booking: tuple[str, Any],
) -> None:
    url, _ = booking
    stack_command("stop-postgres")
    try:
        checks = await wait_for_readiness(url, 503)
        assert checks["database"] is False
        assert checks["kafka"] is True
    finally:
        stack_command("start-postgres")
    checks = await wait_for_readiness(url, 200)
    assert checks == {"started": True, "database": True, "kafka": True, "revocations": True}


async def test_not_ready_while_kafka_is_down_and_events_written_meanwhile_are_delivered(
    booking: tuple[str, Any], buffered_topic: str
) -> None:
    url, app = booking
    runtime: ServiceRuntime = app.state.runtime
    probe_ids = [unique("during-outage") for _ in range(3)]
    stack_command("stop-kafka")
    try:
        checks = await wait_for_readiness(url, 503)
        assert checks["kafka"] is False
        assert checks["database"] is True
        # The service keeps accepting state changes; their events wait in the outbox.
        for probe_id in probe_ids:
            async with runtime.transaction() as conn:
                await enqueue(conn, ProbeBuffered(probe_id=probe_id), source="t", subject=probe_id)
        assert runtime.pool is not None
        assert await runtime.pool.fetchval("select count(*) from outbox") == len(probe_ids)
    finally:
        stack_command("start-kafka")
    await wait_for_readiness(url, 200)

    # The relay drains the outbox once the broker is back; every event arrives.
    assert runtime.pool is not None
    deadline = asyncio.get_running_loop().time() + 60
    while await runtime.pool.fetchval("select count(*) from outbox"):
        assert asyncio.get_running_loop().time() < deadline, "outbox not drained"
        await asyncio.sleep(0.2)
    seen = await _read_all(buffered_topic, set(probe_ids))
    assert seen == set(probe_ids)


async def _read_all(topic: str, wanted: set[str]) -> set[str]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=BOOTSTRAP,
        group_id=unique("test-reader"),
        auto_offset_reset="earliest",
    )
    await consumer.start()
    seen: set[str] = set()
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while not wanted <= seen and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    envelope = Envelope.from_bytes(record.value or b"")
                    seen.add(str(envelope.data.get("probe_id")))
    finally:
        await consumer.stop()
    return seen & wanted
