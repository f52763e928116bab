"""Outbox → relay → Kafka → idempotent consumer, across two service databases, for real."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar, Literal

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.db import create_pool, migrate
from shared.events.envelope import Envelope, EventPayload
from shared.events.topics import Topic
from shared.inbox import EventConsumer
from shared.kafka import create_producer
from shared.outbox import OutboxRelay, enqueue, enqueue_tombstone
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, unique

BOOTSTRAP = os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"]
NO_MIGRATIONS = Path(__file__).parent / "no-migrations"
# A topic of its own per run, so counts in these tests see only this run's events.
PROBE_TOPIC = Topic(unique("ladda.test.probes"), partitions=3)


class ProbeRecorded(EventPayload):
    event_type: ClassVar[str] = "probe.recorded"
    topic: ClassVar[Topic] = PROBE_TOPIC

    probe_id: str
    amount: int


@pytest.fixture(scope="module")
async def probe_topic() -> AsyncIterator[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(
                    PROBE_TOPIC.name, num_partitions=PROBE_TOPIC.partitions, replication_factor=1
                )
            ]
        )
        yield PROBE_TOPIC.name
        await admin.delete_topics([PROBE_TOPIC.name])
    finally:
        await admin.close()


async def _pool(name: str, table_sql: str) -> asyncpg.Pool:
    pool = await create_pool(await fresh_database(name))
    await migrate(pool, NO_MIGRATIONS)
    await pool.execute(table_sql)
    return pool


@pytest.fixture(scope="module")
async def producer_db() -> AsyncIterator[asyncpg.Pool]:
    pool = await _pool(
        "test_outbox_producer", "create table probes (id text primary key, amount int)"
    )
    yield pool
    await pool.close()


@pytest.fixture(scope="module")
async def consumer_db() -> AsyncIterator[asyncpg.Pool]:
    pool = await _pool(
        "test_outbox_consumer", "create table totals (id text primary key, total int not null)"
    )
    yield pool
    await pool.close()


@pytest.fixture
async def relay(producer_db: asyncpg.Pool, probe_topic: str) -> AsyncIterator[OutboxRelay]:
    producer = create_producer(BOOTSTRAP, client_id="test-relay")
    await producer.start()
    relay = OutboxRelay(producer_db, producer, poll_interval=0.2)
    task = asyncio.create_task(relay.run())
    yield relay
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await producer.stop()


async def add_to_total(conn: asyncpg.Connection, envelope: Envelope) -> None:
    probe = envelope.payload(ProbeRecorded)
    await conn.execute(
        """insert into totals (id, total) values ($1, $2)
           on conflict (id) do update set total = totals.total + excluded.total""",
        probe.probe_id,
        probe.amount,
    )


def consumer(pool: asyncpg.Pool, group: str) -> EventConsumer:
    return EventConsumer(
        name=group,
        pool=pool,
        bootstrap_servers=BOOTSTRAP,
        topics=[PROBE_TOPIC.name],
        handlers={ProbeRecorded.event_type: add_to_total},
    )


async def record_probe(pool: asyncpg.Pool, probe_id: str, amount: int) -> Envelope:
    """The producing service's state change and its event, in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("insert into probes (id, amount) values ($1, $2)", probe_id, amount)
        return await enqueue(
            conn, ProbeRecorded(probe_id=probe_id, amount=amount), source="test", subject=probe_id
        )


async def total(pool: asyncpg.Pool, probe_id: str) -> int | None:
    value = await pool.fetchval("select total from totals where id = $1", probe_id)
    return int(value) if value is not None else None


async def test_event_is_committed_with_its_state_change_or_not_at_all(
    producer_db: asyncpg.Pool,
) -> None:
    probe_id = unique("rollback")
    with pytest.raises(RuntimeError):
        async with producer_db.acquire() as conn, conn.transaction():
            await conn.execute("insert into probes (id, amount) values ($1, 1)", probe_id)
            await enqueue(
                conn, ProbeRecorded(probe_id=probe_id, amount=1), source="t", subject=probe_id
            )
            raise RuntimeError("the state change failed")
    assert await producer_db.fetchval("select count(*) from outbox where key = $1", probe_id) == 0


async def test_relayed_event_is_applied_exactly_once_even_when_delivered_twice(
    producer_db: asyncpg.Pool, consumer_db: asyncpg.Pool, relay: OutboxRelay
) -> None:
    probe_id = unique("probe")
    sink = consumer(consumer_db, unique("test-consumer"))
    task = asyncio.create_task(sink.run())
    try:
        envelope = await record_probe(producer_db, probe_id, 7)
        await eventually(lambda: _equals(total(consumer_db, probe_id), 7))
        # The relay deletes the row once Kafka acknowledged it, which may be just after delivery.
        await eventually(lambda: _equals(producer_db.fetchval("select count(*) from outbox"), 0))

        # At-least-once delivery: the same event arrives again (e.g. relay crashed before delete).
        duplicate_producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP)
        await duplicate_producer.start()
        try:
            await duplicate_producer.send_and_wait(
                PROBE_TOPIC.name, envelope.to_bytes(), key=probe_id.encode()
            )
        finally:
            await duplicate_producer.stop()
        await eventually(lambda: _at_least(sink, "duplicates", 1))
        assert await total(consumer_db, probe_id) == 7
        assert sink.applied == 1 and sink.duplicates == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class CrashesBeforeCommit(EventConsumer):
    """Applies events but dies before committing offsets, like a process killed mid-flow."""

    async def commit(self, consumer: object, offsets: dict[TopicPartition, int]) -> None:
        return None


async def test_consumer_restarted_between_applying_and_committing_does_not_apply_twice(
    producer_db: asyncpg.Pool, consumer_db: asyncpg.Pool, relay: OutboxRelay
) -> None:
    group = unique("test-restart")
    probe_ids = [unique("restart") for _ in range(5)]
    first = CrashesBeforeCommit(
        name=group,
        pool=consumer_db,
        bootstrap_servers=BOOTSTRAP,
        topics=[PROBE_TOPIC.name],
        handlers={ProbeRecorded.event_type: add_to_total},
    )
    task = asyncio.create_task(first.run())
    envelopes = [await record_probe(producer_db, probe_id, 3) for probe_id in probe_ids]
    try:
        for probe_id in probe_ids:
            await eventually(lambda probe_id=probe_id: _equals(total(consumer_db, probe_id), 3))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    # The restarted consumer (same group) is handed the uncommitted events again.
    second = consumer(consumer_db, group)
    task = asyncio.create_task(second.run())
    try:
        await eventually(lambda: _at_least(second, "duplicates", len(probe_ids)))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    for probe_id, envelope in zip(probe_ids, envelopes, strict=True):
        assert await total(consumer_db, probe_id) == 3
        assert (
            await consumer_db.fetchval(
                "select count(*) from inbox where consumer = $1 and event_id = $2",
                group,
                envelope.id,
            )
            == 1
        )


async def test_an_event_whose_handler_keeps_failing_is_dead_lettered_not_blocking(
    producer_db: asyncpg.Pool, consumer_db: asyncpg.Pool, relay: OutboxRelay
) -> None:
    poison, healthy = unique("poison"), unique("healthy")

    async def fail_on_poison(conn: asyncpg.Connection, envelope: Envelope) -> None:
        if envelope.payload(ProbeRecorded).probe_id == poison:
            raise ValueError("cannot apply this event")
        await add_to_total(conn, envelope)

    sink = EventConsumer(
        name=unique("test-dead-letter"),
        pool=consumer_db,
        bootstrap_servers=BOOTSTRAP,
        topics=[PROBE_TOPIC.name],
        handlers={ProbeRecorded.event_type: fail_on_poison},
        max_attempts=2,
    )
    task = asyncio.create_task(sink.run())
    try:
        await record_probe(producer_db, poison, 1)
        await record_probe(producer_db, healthy, 2)
        await eventually(lambda: _equals(total(consumer_db, healthy), 2))
        await eventually(
            lambda: _equals(
                consumer_db.fetchval(
                    "select count(*) from dead_letters where consumer = $1", sink.name
                ),
                1,
            )
        )
        letters = await consumer_db.fetch(
            "select error from dead_letters where consumer = $1", sink.name
        )
        assert len(letters) == 1 and "cannot apply this event" in letters[0]["error"]
        assert await total(consumer_db, poison) is None
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _equals(value_coro: object, expected: object) -> bool:
    return await value_coro == expected  # type: ignore[misc]


async def _at_least(consumer: EventConsumer, counter: str, n: int) -> bool:
    return int(getattr(consumer, counter)) >= n


async def test_a_payload_the_schema_cannot_read_is_dead_lettered_at_the_first_attempt(
    producer_db: asyncpg.Pool, consumer_db: asyncpg.Pool, relay: OutboxRelay
) -> None:
    # A newer producer's value (say a new enum member) will not read better on a retry: each
    # retry only held up the partition for every later event.
    unreadable = unique("unreadable")
    attempts: list[str] = []

    class StrictProbe(ProbeRecorded):
        amount: Literal[2]  # type: ignore[assignment]

    async def strict(conn: asyncpg.Connection, envelope: Envelope) -> None:
        if envelope.data.get("probe_id") != unreadable:
            return  # the earlier tests' probes on the same topic
        attempts.append(str(envelope.id))
        envelope.payload(StrictProbe)

    sink = EventConsumer(
        name=unique("test-unreadable"),
        pool=consumer_db,
        bootstrap_servers=BOOTSTRAP,
        topics=[PROBE_TOPIC.name],
        handlers={ProbeRecorded.event_type: strict},
        max_attempts=5,
    )
    task = asyncio.create_task(sink.run())
    try:
        await record_probe(producer_db, unreadable, 1)
        await eventually(
            lambda: _equals(
                consumer_db.fetchval(
                    "select count(*) from dead_letters where consumer = $1", sink.name
                ),
                1,
            )
        )
        assert len(attempts) == 1
        assert (
            await consumer_db.fetchval(
                "select event_id::text from dead_letters where consumer = $1", sink.name
            )
            == attempts[0]
        )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_tombstone_reaches_the_consumers_tombstone_handler_as_a_null_value(
    producer_db: asyncpg.Pool, consumer_db: asyncpg.Pool, relay: OutboxRelay
) -> None:
    contacts = Topic(unique("ladda.test.contacts"), partitions=1, compacted=True)
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(contacts.name, 1, 1, topic_configs=contacts.config())])
    finally:
        await admin.close()
    key = unique("gone")
    await consumer_db.execute("insert into totals (id, total) values ($1, 1)", key)

    async def forget(conn: asyncpg.Connection, gone: str) -> None:
        await conn.execute("delete from totals where id = $1", gone)

    sink = EventConsumer(
        name=unique("test-tombstones"),
        pool=consumer_db,
        bootstrap_servers=BOOTSTRAP,
        topics=[contacts.name],
        handlers={},
        tombstones={contacts.name: forget},
    )
    task = asyncio.create_task(sink.run())
    try:
        async with producer_db.acquire() as conn, conn.transaction():
            await enqueue_tombstone(conn, contacts, key)
        await eventually(lambda: _equals(total(consumer_db, key), None))
        assert sink.applied == 1
        dead = "select count(*) from dead_letters where consumer = $1"
        assert await consumer_db.fetchval(dead, sink.name) == 0
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
