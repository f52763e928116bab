"""A running operations service next to a real connectivity service, for tests.

Both run in the test's event loop on their own databases, against the stack's PostgreSQL and
Kafka; simulated chargers (tests/connectivity/clients.py) connect to connectivity, whose events
reach operations through the real topics.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from pydantic import SecretStr

from services.operations.app import create_app
from services.operations.events import SUBSCRIPTIONS
from services.operations.settings import Settings
from shared.db import create_pool
from shared.events.envelope import Envelope, EventPayload
from shared.events.identity import UserRegistered
from shared.events.topics import ALL_TOPICS
from shared.kafka import create_producer
from tests.connectivity.support import BOOTSTRAP, EventWatcher
from tests.helpers.polling import eventually
from tests.helpers.stack import serve, unique, wait_until_ready
from tests.helpers.tokens import TestIssuer

TOKENS = TestIssuer("operations-test-key")
token = TOKENS.token
auth = TOKENS.auth


OPERATOR = auth("operator-1", "operator")
TECHNICIAN = "technician-1"


@dataclass
class Operations:
    app: FastAPI
    url: str
    pool: asyncpg.Pool
    http: httpx.AsyncClient
    settings: Settings


def operations_settings(dsn: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": SecretStr(dsn),
        "consumer_group_suffix": unique(".test"),
        "offline_alert_after_s": 3.0,
        "alert_hold_down_s": 5.0,
        "evaluation_interval_s": 0.2,
        "failed_logins_threshold": 3,
        "availability_command_timeout_s": 5.0,
        "availability_resend_after_s": 8.0,
        "db_pool_max_size": 10,
    }
    values.update(overrides)
    return Settings(**values)


async def start_groups_at_end(settings: Settings) -> None:
    """The shared topics hold every earlier test run's events: the test's consumer groups
    start at their current end instead of replaying that history (new groups read from the
    earliest offset, as a new deployment must)."""
    for purpose, topics in SUBSCRIPTIONS.items():
        group = f"operations.{purpose}{settings.consumer_group_suffix}"
        consumer = AIOKafkaConsumer(
            bootstrap_servers=BOOTSTRAP, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            partitions = [
                TopicPartition(topic, p)
                for topic in topics
                for p in range(next(t.partitions for t in ALL_TOPICS if t.name == topic))
            ]
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            await consumer.commit(dict(ends.items()))
        finally:
            await consumer.stop()


@contextlib.asynccontextmanager
async def running_operations(settings: Settings) -> AsyncIterator[Operations]:
    await start_groups_at_end(settings)
    app = create_app(settings, key_source=TOKENS.key_source())
    async with serve(app) as url:
        await wait_until_ready(url)
        pool = await create_pool(settings.database_url.get_secret_value())
        try:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                yield Operations(app, url, pool, http, settings)
        finally:
            await pool.close()


async def wait_for_station(ops: Operations, cp_id: str) -> None:
    """Operations has the charger's registry entry (its site) from chargepoints.registry.v1."""

    async def known() -> bool:
        return bool(
            await ops.pool.fetchval(
                "select true from stations where charge_point_id = $1 and site is not null", cp_id
            )
        )

    await eventually(known, timeout=60)


async def alerts_of(ops: Operations, cp_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"charge_point_id": cp_id}
    if kind is not None:
        params["kind"] = kind
    response = await ops.http.get("/v1/alerts", params=params, headers=OPERATOR)
    assert response.status_code == 200, response.text
    alerts: list[dict[str, Any]] = response.json()
    return alerts


async def wait_for_alert(
    ops: Operations, cp_id: str, kind: str, timeout: float = 90, **expected: Any
) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def present() -> bool:
        for alert in await alerts_of(ops, cp_id, kind):
            if all(alert.get(k) == v for k, v in expected.items()):
                found.update(alert)
                return True
        return False

    await eventually(present, timeout=timeout, interval=0.1)
    return found


async def publish(payload: EventPayload, key: str, source: str = "identity") -> None:
    """Another service's event, through the real topic."""
    envelope = Envelope.wrap(payload, source=source, subject=key, correlation_id=None)
    producer = create_producer(BOOTSTRAP, client_id="test-operations")
    await producer.start()
    try:
        await producer.send_and_wait(payload.topic.name, envelope.to_bytes(), key=key.encode())
    finally:
        await producer.stop()


async def register_technician(ops: Operations, user_id: str, *roles: str) -> None:
    """Identity says the user exists with these roles; waits until operations has it."""
    await publish(UserRegistered(user_id=user_id, roles=list(roles)), user_id)

    async def known() -> bool:
        return bool(
            await ops.pool.fetchval("select true from technicians where user_id = $1", user_id)
        ) == bool({"operator", "admin"} & set(roles))

    await eventually(known, timeout=60)


async def work_order(ops: Operations, work_order_id: str) -> dict[str, Any]:
    response = await ops.http.get(f"/v1/work-orders/{work_order_id}", headers=OPERATOR)
    assert response.status_code == 200, response.text
    order: dict[str, Any] = response.json()
    return order


async def wait_for_availability(ops: Operations, work_order_id: str, state: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def reached() -> bool:
        found.update(await work_order(ops, work_order_id))
        return bool(found["availability"] == state)

    await eventually(reached, timeout=90, interval=0.1)
    return found


async def alert_events(
    events: EventWatcher, event_type: str, alert_id: str, count: int = 1
) -> list[Envelope]:
    """The events of one alert of ours: the topic is shared with every other operations
    instance on the stack (other test runs may raise alerts for our chargers too)."""

    def mine() -> list[Envelope]:
        return [e for e in events.of(event_type) if e.data.get("alert_id") == alert_id]

    async def enough() -> bool:
        return len(mine()) >= count

    await eventually(enough, timeout=90)
    return mine()
