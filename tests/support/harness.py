"""A running support service for tests, on its own database, against the stack's PostgreSQL
and Kafka, with a clock the test moves. Other services' events are published on the real
topics; support's own events are read back from `support.tickets.v1`."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from pydantic import SecretStr

from services.support.app import create_app
from services.support.clock import Clock
from services.support.events import SUBSCRIPTIONS
from services.support.settings import Settings
from shared.db import create_pool
from shared.events.envelope import Envelope, EventPayload
from shared.events.topics import ALL_TOPICS, SUPPORT_TICKETS
from shared.kafka import create_producer
from tests.helpers.polling import eventually
from tests.helpers.stack import serve, unique, wait_until_ready
from tests.helpers.tokens import SigningKey, StaticKeys, bearer

BOOTSTRAP = os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"]
KEY = SigningKey()


def auth(subject: str, *roles: str, scope: str | None = None) -> dict[str, str]:
    extra: dict[str, Any] = {"scope": scope} if scope else {}
    return bearer(KEY.token(subject, list(roles), **extra))


class ManualClock(Clock):
    """Time stands still until the test moves it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class Support:
    app: FastAPI
    url: str
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    settings: Settings
    clock: ManualClock
    seen: dict[str, int] = field(default_factory=dict)


def support_settings(dsn: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": SecretStr(dsn),
        "consumer_group_suffix": unique(".test"),
        "sla_check_interval_s": 0.2,
        "automatic_tickets": True,
        # Off unless a module tests it: the other modules move the clock by days.
        "auto_close_after_days": 0,
        "db_pool_max_size": 5,
    }
    values.update(overrides)
    return Settings(**values)


def _partitions(topic: str) -> list[TopicPartition]:
    count = next(t.partitions for t in ALL_TOPICS if t.name == topic)
    return [TopicPartition(topic, p) for p in range(count)]


async def start_groups_at_end(settings: Settings) -> None:
    """The shared topics hold every earlier run's events: the test's groups start at the end."""
    for purpose, topics in SUBSCRIPTIONS.items():
        consumer = AIOKafkaConsumer(
            bootstrap_servers=BOOTSTRAP,
            group_id=f"support.{purpose}{settings.consumer_group_suffix}",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            partitions = [tp for topic in topics for tp in _partitions(topic)]
            consumer.assign(partitions)
            await consumer.commit(dict((await consumer.end_offsets(partitions)).items()))
        finally:
            await consumer.stop()


@contextlib.asynccontextmanager
async def running_support(settings: Settings, clock: ManualClock) -> AsyncIterator[Support]:
    await start_groups_at_end(settings)
    app = create_app(settings, key_source=StaticKeys(KEY), clock=clock)
    async with serve(app) as url:
        await wait_until_ready(url)
        pool = await create_pool(settings.database_url.get_secret_value())
        try:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                yield Support(app, url, http, pool, settings, clock)
        finally:
            await pool.close()


async def publish(payload: EventPayload, key: str, source: str = "test") -> Envelope:
    """Another service's event through the real topic; returns it (to deliver it again)."""
    envelope = Envelope.wrap(payload, source=source, subject=key, correlation_id=None)
    await publish_envelope(envelope, payload.topic.name, key)
    return envelope


async def publish_envelope(envelope: Envelope, topic: str, key: str) -> None:
    producer = create_producer(BOOTSTRAP, client_id="test-support")
    await producer.start()
    try:
        await producer.send_and_wait(topic, envelope.to_bytes(), key=key.encode())
    finally:
        await producer.stop()


class TicketEvents:
    """Reads `support.tickets.v1` from where it ended when created."""

    def __init__(self) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)
        self.raw: list[bytes] = []

    async def start(self) -> None:
        await self.consumer.start()
        partitions = _partitions(SUPPORT_TICKETS.name)
        self.consumer.assign(partitions)
        for tp, end in (await self.consumer.end_offsets(partitions)).items():
            self.consumer.seek(tp, end)

    async def stop(self) -> None:
        await self.consumer.stop()

    async def poll(self) -> None:
        batches = await self.consumer.getmany(timeout_ms=200)
        for records in batches.values():
            self.raw += [r.value for r in records if r.value is not None]

    def of(self, ticket_id: str) -> list[Envelope]:
        found = [Envelope.from_bytes(raw) for raw in self.raw]
        return [e for e in found if e.data.get("ticket_id") == ticket_id]

    async def wait_for(self, ticket_id: str, event_type: str, count: int = 1) -> list[Envelope]:
        async def arrived() -> bool:
            await self.poll()
            return sum(e.type == event_type for e in self.of(ticket_id)) >= count

        await eventually(arrived, timeout=30)
        return self.of(ticket_id)


async def wait_for_row(svc: Support, sql: str, *args: Any) -> None:
    async def present() -> bool:
        return bool(await svc.pool.fetchval(sql, *args))

    await eventually(present, timeout=60)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
