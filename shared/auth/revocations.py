"""Access revocations published by identity, followed by every service and the gateway.

Access tokens live up to 15 minutes and are verified without asking identity. When identity
cuts someone's access short (roles changed, account disabled or deleted, password changed,
service account disabled) it publishes `access.revoked` (subject + not-before) on
`identity.users.v1`. `RevocationFeed` reads that topic without a consumer group: at start
from `lookback_s` ago (long enough to cover every token still alive), then as it comes. A
token of that subject issued before not-before is refused by `TokenVerifier`.

Until the feed has caught up with the topic at start, `caught_up` is unset (services report
not-ready). If Kafka fails later, the last known revocations keep applying and new ones wait
for Kafka to come back; tokens still expire on their own.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.events.envelope import Envelope
from shared.events.identity import AccessRevoked
from shared.events.topics import IDENTITY_USERS, Topic
from shared.kafka import connection_options

log = structlog.get_logger(__name__)

# Tokens live at most 15 minutes, plus the verifiers' clock leeway: older revocations no longer
# matter, every token they concern has expired.
DEFAULT_HORIZON_S = 15 * 60 + 120


class Revocations:
    """Subject -> not-before (seconds since the epoch), kept for `horizon_s`."""

    def __init__(self, horizon_s: float = DEFAULT_HORIZON_S) -> None:
        self._not_before: dict[str, float] = {}
        self._horizon = horizon_s
        self._pruned_at = time.time()

    def revoke(self, subject: str, not_before: float) -> None:
        if not_before > self._not_before.get(subject, float("-inf")):
            self._not_before[subject] = not_before
        now = time.time()
        if now - self._pruned_at > 60:
            self._pruned_at = now
            expired = [s for s, at in self._not_before.items() if at < now - self._horizon]
            for subject_ in expired:
                del self._not_before[subject_]

    def revoked(self, subject: str, issued_at: float) -> bool:
        not_before = self._not_before.get(subject)
        return not_before is not None and issued_at < not_before

    def __len__(self) -> int:
        return len(self._not_before)


class RevocationFeed:
    """Feeds `Revocations` from Kafka, forever (run it as a background task)."""

    def __init__(
        self,
        revocations: Revocations,
        *,
        bootstrap_servers: str,
        topic: Topic = IDENTITY_USERS,
        lookback_s: float = DEFAULT_HORIZON_S,
        client_id: str = "revocations",
    ) -> None:
        self.revocations = revocations
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._lookback = lookback_s
        self._client_id = client_id
        self.caught_up = asyncio.Event()

    async def ready(self) -> bool:
        return self.caught_up.is_set()

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Kafka down (KafkaError, OSError) or anything unforeseen: never stop following.
                log.warning("auth.revocations.follow_failed", error=repr(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=f"{self._client_id}-{uuid.uuid4().hex[:6]}",
            enable_auto_commit=False,
            isolation_level="read_committed",
            **connection_options(),
        )
        await consumer.start()
        try:
            # The topic's partitions are part of the platform's contract (shared.events.topics).
            name, count = self._topic.name, self._topic.partitions
            partitions = [TopicPartition(name, p) for p in range(count)]
            consumer.assign(partitions)
            since_ms = int((time.time() - self._lookback) * 1000)
            starts = await consumer.offsets_for_times({tp: since_ms for tp in partitions})
            for tp, found in starts.items():
                if found is None:
                    await consumer.seek_to_end(tp)
                else:
                    consumer.seek(tp, found.offset)
            ends = await consumer.end_offsets(partitions)
            while True:
                batch = await consumer.getmany(timeout_ms=500, max_records=500)
                for records in batch.values():
                    for record in records:
                        self._apply(record.value)
                if not self.caught_up.is_set():
                    positions = [await consumer.position(tp) for tp in partitions]
                    if all(at >= ends[tp] for at, tp in zip(positions, partitions, strict=True)):
                        self.caught_up.set()
                        log.info("auth.revocations.caught_up", known=len(self.revocations))
        finally:
            await consumer.stop()

    def _apply(self, value: bytes | None) -> None:
        try:
            envelope = Envelope.from_bytes(value or b"")
            if envelope.type != AccessRevoked.event_type:
                return
            revoked = envelope.payload(AccessRevoked)
        except ValueError:
            return  # not ours to judge; the topic's owner validates what it publishes
        self.revocations.revoke(revoked.subject, revoked.not_before.timestamp())
