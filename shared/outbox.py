"""Transactional outbox: `enqueue` in the caller's transaction; `OutboxRelay` publishes to Kafka.

One relay per service database is active at a time (a PostgreSQL advisory lock elects it), so
events leave in commit order and keep their per-key order. Delivery is at-least-once: a crash
between Kafka's ack and the delete publishes a row again, and consumers drop it by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer

from shared.db import Connection
from shared.events.envelope import Envelope, EventPayload
from shared.events.topics import Topic
from shared.logging import CORRELATION_HEADER, current_correlation_id

log = structlog.get_logger(__name__)

NOTIFY_CHANNEL = "ladda_outbox"
_RELAY_LOCK = 7_410_002


async def enqueue(
    conn: Connection,
    payload: EventPayload,
    *,
    source: str,
    subject: str,
    key: str | None = None,
    topic: str | None = None,
) -> Envelope:
    """Record an event in the outbox, inside the transaction that makes the state change.

    `topic`: another than the event's own (a service configured to publish elsewhere, e.g. a
    test's topic of its own)."""
    envelope = Envelope.wrap(
        payload, source=source, subject=subject, correlation_id=current_correlation_id()
    )
    await conn.execute(
        "insert into outbox (event_id, topic, key, envelope) values ($1, $2, $3, $4)",
        envelope.id,
        topic or payload.topic.name,
        key if key is not None else subject,
        envelope.model_dump(mode="json"),
    )
    await conn.execute("select pg_notify($1, '')", NOTIFY_CHANNEL)
    return envelope


async def enqueue_tombstone(conn: Connection, topic: Topic, key: str) -> None:
    """Record a tombstone (a null value under `key`) for a compacted topic, in the transaction
    that deletes what the key stood for. Consumers see it as `EventConsumer(tombstones=...)`."""
    assert topic.compacted, f"{topic.name} is not compacted: a tombstone would mean nothing"
    await conn.execute(
        "insert into outbox (event_id, topic, key, envelope) values ($1, $2, $3, null)",
        uuid.uuid4(),
        topic.name,
        key,
    )
    await conn.execute("select pg_notify($1, '')", NOTIFY_CHANNEL)


async def enqueue_many(
    conn: Connection, events: Sequence[tuple[EventPayload, str]], *, source: str
) -> None:
    """Record many (payload, subject) events in one statement; the subject is also the key.

    For bursts (a reconnect storm's thousands of status events): one round trip instead of two
    per event, the same rows and the same wake-up of the relay as `enqueue`.
    """
    if not events:
        return
    correlation = current_correlation_id()
    envelopes = [
        Envelope.wrap(payload, source=source, subject=subject, correlation_id=correlation)
        for payload, subject in events
    ]
    await conn.execute(
        """insert into outbox (event_id, topic, key, envelope)
           select * from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])""",
        [envelope.id for envelope in envelopes],
        [payload.topic.name for payload, _ in events],
        [subject for _, subject in events],
        [envelope.model_dump(mode="json") for envelope in envelopes],
    )
    await conn.execute("select pg_notify($1, '')", NOTIFY_CHANNEL)


def kafka_headers(envelope: dict[str, Any]) -> list[tuple[str, bytes]]:
    headers = [("ce_id", str(envelope["id"]).encode()), ("ce_type", envelope["type"].encode())]
    if envelope.get("correlation_id"):
        headers.append((CORRELATION_HEADER, envelope["correlation_id"].encode()))
    return headers


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self.published = 0

    async def run(self) -> None:
        """Publish forever; survives database and broker outages by retrying with backoff."""
        backoff = 0.5
        while True:
            try:
                await self._run_as_leader()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox.relay.retrying", error=repr(exc), backoff_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            else:
                backoff = 0.5

    async def _run_as_leader(self) -> None:
        conn = await self._pool.acquire()
        try:
            while not await conn.fetchval("select pg_try_advisory_lock($1)", _RELAY_LOCK):
                await asyncio.sleep(self._poll_interval)
            await conn.add_listener(NOTIFY_CHANNEL, self._notified)
            log.info("outbox.relay.leading")
            while True:
                self._wakeup.clear()
                if await self.publish_batch() >= self._batch_size:
                    continue
                if conn.is_closed():
                    raise ConnectionError("outbox listener connection closed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)
        finally:
            if not conn.is_closed():
                await conn.remove_listener(NOTIFY_CHANNEL, self._notified)
            await self._pool.release(conn, timeout=5)

    def _notified(self, *_: object) -> None:
        self._wakeup.set()

    async def publish_batch(self) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "select id, topic, key, envelope from outbox order by id limit $1",
                self._batch_size,
            )
            if not rows:
                return 0
            pending = [
                await self._producer.send(
                    row["topic"],
                    value=None if row["envelope"] is None else json.dumps(row["envelope"]).encode(),
                    key=row["key"].encode(),
                    headers=[] if row["envelope"] is None else kafka_headers(row["envelope"]),
                )
                for row in rows
            ]
            await asyncio.gather(*pending)
            await conn.execute(
                "delete from outbox where id = any($1::bigint[])", [r["id"] for r in rows]
            )
        self.published += len(rows)
        log.debug("outbox.relay.published", count=len(rows))
        return len(rows)
