"""A running analytics service on topics of its own, and the events the tests feed it.

Each test module creates its own topics (one per topic setting of analytics), so its
figures are exact: no other test's events reach them, and a replay reads exactly what was fed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from fastapi import FastAPI
from pydantic import SecretStr

from services.analytics.app import create_app
from services.analytics.settings import Settings
from shared.db import create_pool
from shared.events.envelope import Envelope, EventPayload
from shared.kafka import create_producer
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, serve, unique, wait_until_ready
from tests.helpers.tokens import TestIssuer

TOKENS = TestIssuer("analytics-test-key")
auth = TOKENS.auth
OPERATOR = auth("operator-1", "operator")

BOOTSTRAP = os.environ.get("LADDA_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
TOPIC_SETTINGS = (
    "sessions_topic",
    "status_topic",
    "registry_topic",
    "invoices_topic",
    "reservations_topic",
    "users_topic",
    "accounts_topic",
    "tickets_topic",
    "alerts_topic",
)


@dataclass
class Analytics:
    app: FastAPI
    url: str
    pool: asyncpg.Pool
    http: httpx.AsyncClient
    settings: Settings


@contextlib.asynccontextmanager
async def own_topics() -> AsyncIterator[dict[str, str]]:
    names = {setting: unique(f"test.analytics.{setting}") for setting in TOPIC_SETTINGS}
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(name, num_partitions=3, replication_factor=1) for name in names.values()]
        )
        yield names
        await admin.delete_topics(list(names.values()))
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def running_analytics(
    database: str, topics: dict[str, str], **overrides: Any
) -> AsyncIterator[Analytics]:
    dsn = await fresh_database(database)
    settings = Settings(
        database_url=SecretStr(dsn),
        consumer_group_suffix=unique(".test"),
        db_pool_max_size=5,
        **topics,
        **({"rollup_interval_s": 0.3} | overrides),
    )
    app = create_app(settings, key_source=TOKENS.key_source())
    async with serve(app) as url:
        await wait_until_ready(url)
        pool = await create_pool(dsn)
        try:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                yield Analytics(app, url, pool, http, settings)
        finally:
            await pool.close()


def envelope(payload: EventPayload, time: datetime | None = None) -> Envelope:
    """`time`: the envelope's own (for events whose payload carries no time)."""
    wrapped = Envelope.wrap(payload, source="test", subject="test", correlation_id=None)
    return wrapped if time is None else wrapped.model_copy(update={"time": time})


async def publish(topic: str, events: list[tuple[str, Envelope]]) -> None:
    """(key, envelope) pairs, sent in this order (a key picks the partition)."""
    producer = create_producer(BOOTSTRAP, client_id="test-analytics")
    await producer.start()
    try:
        for key, event in events:
            await producer.send_and_wait(topic, event.to_bytes(), key=key.encode())
    finally:
        await producer.stop()


async def rollups_current(service: Analytics) -> None:
    """The rollup job has run and no charge point is stale."""

    async def current() -> bool:
        return bool(
            await service.pool.fetchval(
                """select (select rolled_through is not null from rollup_state)
                      and not exists (select from rollup_dirty)"""
            )
        )

    await eventually(current, timeout=60, interval=0.2)
