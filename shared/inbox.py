"""Idempotent consumers: each event's effect and its id are committed in one transaction.

Offsets are committed to Kafka only after the effects are durable, so a crash re-delivers and
the inbox drops what was already applied. Infrastructure outages are retried forever; an event
whose handler keeps failing goes to `dead_letters` so one bad event cannot stall a partition.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from shared.db import Connection
from shared.events.envelope import Envelope
from shared.kafka import create_consumer
from shared.logging import correlation_id

log = structlog.get_logger(__name__)

Handler = Callable[[Connection, Envelope], Awaitable[None]]
# A tombstone (null value) on a compacted topic: the key's state is gone. Must be idempotent.
TombstoneHandler = Callable[[Connection, str], Awaitable[None]]

# Errors that say "the database is unreachable", not "this event is bad": retry without limit.
_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)


async def record_processed(conn: Connection, consumer: str, envelope: Envelope) -> bool:
    """True the first time this consumer sees the event; false for a re-delivery."""
    inserted = await conn.fetchval(
        "insert into inbox (consumer, event_id) values ($1, $2) "
        "on conflict do nothing returning true",
        consumer,
        envelope.id,
    )
    return bool(inserted)


async def purge_processed(
    pool: asyncpg.Pool, *, retention_days: float, batch_size: int = 5000
) -> int:
    """Forget inbox rows older than the retention, one transaction per batch; rows deleted.

    The inbox only has to outlive re-delivery: a crash between effect and offset commit
    (seconds), or a consumer group whose committed offsets Kafka expired
    (`offsets.retention.minutes`, 7 days by default) and that reads its topics again. Keep
    `retention_days` above the latter, plus the longest outage to survive.
    """
    total = 0
    while True:
        async with pool.acquire() as conn:
            status = await conn.execute(
                """delete from inbox where ctid = any(array(
                       select ctid from inbox
                        where processed_at < now() - $1::float8 * interval '1 day' limit $2))""",
                retention_days,
                batch_size,
            )
        deleted = int(status.split()[-1])
        total += deleted
        if deleted < batch_size:
            return total


def _default_lookback() -> timedelta | None:
    """`LADDA_KAFKA_NEW_GROUP_LOOKBACK_S`, for test runs only: every new consumer group reads
    just the recent events instead of the whole of topics that every earlier test wrote to.
    Unset (production): state topics are read from their beginning."""
    seconds = os.environ.get("LADDA_KAFKA_NEW_GROUP_LOOKBACK_S")
    return timedelta(seconds=float(seconds)) if seconds else None


class _StartRecent(ConsumerRebalanceListener):  # type: ignore[misc]
    """A partition this group never committed an offset for starts at the events of the last
    `lookback` before the consumer started, not at the topic's beginning."""

    def __init__(self, consumer: AIOKafkaConsumer, lookback: timedelta) -> None:
        self._consumer = consumer
        self._since_ms = int((time.time() - lookback.total_seconds()) * 1000)

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        fresh = [tp for tp in assigned if await self._consumer.committed(tp) is None]
        if not fresh:
            return
        # The end offsets are read first and sought explicitly: every event older than them
        # is older than `lookback` when no event since then was found, and every later event is
        # read. (`seek_to_end` resolves "the end" lazily, when the fetcher gets to it, and
        # skipped the events published in between: a registry event or a token decision lost.)
        ends = await self._consumer.end_offsets(fresh)
        found = await self._consumer.offsets_for_times({tp: self._since_ms for tp in fresh})
        for tp in fresh:
            hit = found.get(tp)
            self._consumer.seek(tp, ends[tp] if hit is None else min(hit.offset, ends[tp]))


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        pool: asyncpg.Pool,
        bootstrap_servers: str,
        topics: Sequence[str],
        handlers: Mapping[str, Handler],
        max_attempts: int = 5,
        new_group_lookback: timedelta | None = None,
        tombstones: Mapping[str, TombstoneHandler] | None = None,
    ) -> None:
        """`new_group_lookback`: a new consumer group (no committed offsets) reads only the
        events of this last stretch of time instead of the whole topic: for topics whose old
        events no longer matter to a newcomer (commands past their timeout). None: the whole
        topic, as for state to rebuild. `tombstones`: per topic name, what a null value under a
        key means to this consumer (others ignore tombstones)."""
        self.name = name
        self._pool = pool
        self._bootstrap = bootstrap_servers
        self._topics = list(topics)
        self._handlers = dict(handlers)
        self._tombstones = dict(tombstones or {})
        self._max_attempts = max_attempts
        self._lookback = (
            new_group_lookback if new_group_lookback is not None else _default_lookback()
        )
        self.applied = 0
        self.duplicates = 0

    async def run(self) -> None:
        while True:
            recent = self._lookback is not None
            consumer = create_consumer(
                self._bootstrap,
                topics=[] if recent else self._topics,
                group_id=self.name,
                client_id=self.name,
            )
            if self._lookback is not None:
                consumer.subscribe(self._topics, listener=_StartRecent(consumer, self._lookback))
            try:
                await consumer.start()
                log.info("consumer.started", consumer=self.name, topics=self._topics)
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except KafkaError as exc:
                log.warning("consumer.kafka_unavailable", consumer=self.name, error=repr(exc))
                await asyncio.sleep(2)
            finally:
                await consumer.stop()

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=1000)
            for tp, records in batch.items():
                for record in records:
                    await self.process(record)
                await self.commit(consumer, {tp: records[-1].offset + 1})

    async def commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """Effects are durable before this runs; a failed commit only means a re-delivery."""
        try:
            await consumer.commit(offsets)
        except KafkaError as exc:
            log.warning("consumer.commit_failed", consumer=self.name, error=repr(exc))

    async def process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        if record.value is None:
            await self._forget(record)
            return
        try:
            envelope = Envelope.from_bytes(record.value or b"")
        except ValidationError as exc:
            await self._dead_letter(record, None, f"not an event envelope: {exc}")
            return
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return  # an event type this consumer does not act on
        token = correlation_id.set(envelope.correlation_id)
        try:
            await self._apply(record, envelope, handler)
        finally:
            correlation_id.reset(token)

    async def _apply(
        self, record: ConsumerRecord[bytes, bytes], envelope: Envelope, handler: Handler
    ) -> None:
        attempt, backoff = 0, 0.2
        while True:
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    if not await record_processed(conn, self.name, envelope):
                        self.duplicates += 1
                        log.info("consumer.duplicate_skipped", event_id=str(envelope.id))
                        return
                    await handler(conn, envelope)
                self.applied += 1
                return
            except asyncio.CancelledError:
                raise
            except _OUTAGES as exc:
                log.warning("consumer.database_unavailable", consumer=self.name, error=repr(exc))
            except ValidationError as exc:
                # A payload this service's schema cannot read will not read better on a retry
                # (e.g. a newer producer's value): set it aside at once, keep the partition moving.
                log.error(
                    "consumer.payload_invalid",
                    consumer=self.name,
                    event_type=envelope.type,
                    event_id=str(envelope.id),
                    error=repr(exc),
                )
                await self._dead_letter(record, envelope, repr(exc))
                return
            except Exception as exc:
                attempt += 1
                log.error(
                    "consumer.handler_failed",
                    consumer=self.name,
                    event_type=envelope.type,
                    event_id=str(envelope.id),
                    attempt=attempt,
                    error=repr(exc),
                )
                if attempt >= self._max_attempts:
                    await self._dead_letter(record, envelope, repr(exc))
                    return
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _forget(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """A tombstone has no event id: its handler is idempotent by contract (a deletion)."""
        handler = self._tombstones.get(record.topic)
        if handler is None or record.key is None:
            return
        key, attempt = record.key.decode(), 0
        while True:
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    await handler(conn, key)
                self.applied += 1
                return
            except asyncio.CancelledError:
                raise
            except _OUTAGES as exc:
                log.warning("consumer.database_unavailable", consumer=self.name, error=repr(exc))
            except Exception as exc:
                attempt += 1
                log.error("consumer.tombstone_failed", consumer=self.name, error=repr(exc))
                if attempt >= self._max_attempts:
                    await self._dead_letter(record, None, f"tombstone: {exc!r}")
                    return
            await asyncio.sleep(1.0)

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], envelope: Envelope | None, error: str
    ) -> None:
        while True:
            try:
                async with self._pool.acquire() as conn:
                    await conn.execute(
                        """insert into dead_letters
                               (consumer, topic, partition, "offset", event_id, payload, error)
                           values ($1, $2, $3, $4, $5, $6, $7)""",
                        self.name,
                        record.topic,
                        record.partition,
                        record.offset,
                        envelope.id if envelope else None,
                        record.value or b"",
                        error,
                    )
                log.error("consumer.dead_lettered", consumer=self.name, offset=record.offset)
                return
            except _OUTAGES as exc:
                log.warning("consumer.database_unavailable", consumer=self.name, error=repr(exc))
                await asyncio.sleep(1)
