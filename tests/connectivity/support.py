"""A running connectivity service for tests: real PostgreSQL, Kafka, HTTP and OCPP ports."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from pydantic import SecretStr

from services.connectivity.app import create_app
from services.connectivity.chargepoints import service as cp_service
from services.connectivity.chargepoints.schemas import ChargePointCreate, Location
from services.connectivity.settings import Settings
from shared.db import Connection, create_pool
from shared.events.envelope import Envelope
from shared.events.identity import IdTokenDecisionChanged
from shared.kafka import create_producer
from tests.helpers.polling import eventually
from tests.helpers.stack import free_port, serve, unique, wait_until_ready
from tests.helpers.tokens import TestIssuer

BOOTSTRAP = os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"]
TOKENS = TestIssuer("test-key")
token = TOKENS.token
auth = TOKENS.auth


OPERATOR = auth("operator-1", "operator")


@dataclass
class Service:
    app: FastAPI
    url: str
    ocpp_url: str
    pool: asyncpg.Pool
    http: httpx.AsyncClient
    dsn: str


def settings_for(dsn: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": SecretStr(dsn),
        "ocpp_port": free_port(),
        "consumer_group_suffix": unique(".test"),
        # Replicas in one test process share a host name: each gets an id of its own.
        "replica_id": unique("replica"),
        "flush_interval_s": 0.05,
        "session_update_interval_s": 0.0,
        "db_pool_max_size": 10,
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Service]:
    app = create_app(settings, key_source=TOKENS.key_source())
    async with serve(app) as url:
        await wait_until_ready(url)
        await asyncio.wait_for(app.state.ocpp_server.started.wait(), 10)
        pool = await create_pool(settings.database_url.get_secret_value())
        try:
            async with httpx.AsyncClient(base_url=url, timeout=60) as http:
                yield Service(
                    app,
                    url,
                    f"ws://127.0.0.1:{settings.ocpp_port}",
                    pool,
                    http,
                    settings.database_url.get_secret_value(),
                )
        finally:
            await pool.close()


# -- factories ---------------------------------------------------------------------------------


async def create_charge_point(conn: Connection, **overrides: Any) -> tuple[str, str]:
    """A provisioned charger (approved unless `approval="pending"`); returns (id, password)."""
    approval = overrides.pop("approval", "approved")
    data = ChargePointCreate(
        **{
            "id": unique("CP"),
            "ocpp_version": "1.6",
            "vendor": "Test",
            "model": "T1",
            "connectors": 2,
            "location": Location(site_name=unique("site"), address="Testgatan 1"),
            **overrides,
        }
    )
    charge_point, password = await cp_service.provision(conn, data)
    if approval == "approved":
        await cp_service.approve(conn, charge_point.id)
    return charge_point.id, password


async def create_session(conn: Connection, **overrides: Any) -> uuid.UUID:
    """A charging session row (active, of driver-2 unless overridden); returns its id."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "charge_point_id": unique("CP"),
        "ocpp_version": "1.6",
        "connector_id": 1,
        "transaction_id": unique("tx"),
        "id_tag": unique("TAG"),
        "user_id": "driver-2",
        "auth_status": "Accepted",
        "started_at": datetime.now(UTC),
        **overrides,
    }
    await conn.execute(
        f"insert into charging_sessions ({', '.join(values)}) "
        f"values ({', '.join(f'${i + 1}' for i in range(len(values)))})",
        *values.values(),
    )
    session_id: uuid.UUID = values["id"]
    return session_id


async def new_charge_point(service: Service, **overrides: Any) -> tuple[str, str]:
    async with service.pool.acquire() as conn, conn.transaction():
        return await create_charge_point(conn, **overrides)


async def publish_id_token(
    service: Service,
    uid: str,
    *,
    user_id: str | None,
    decision: str = "Accepted",
    expires_at: str | None = None,
) -> None:
    """Identity's decision for a token, through the real topic; waits until the local copy has it."""
    payload = IdTokenDecisionChanged.model_validate(
        {
            "uid": uid,
            "kind": "rfid",
            "user_id": user_id,
            "decision": decision,
            "expires_at": expires_at,
        }
    )
    envelope = Envelope.wrap(payload, source="identity", subject=uid, correlation_id=None)
    producer = create_producer(BOOTSTRAP, client_id="test-identity")
    await producer.start()
    try:
        await producer.send_and_wait(payload.topic.name, envelope.to_bytes(), key=uid.encode())
    finally:
        await producer.stop()

    async def arrived() -> bool:
        row = await service.pool.fetchrow(
            "select decision from id_tokens where uid = upper($1)", uid
        )
        return row is not None and row["decision"] == decision

    await eventually(arrived, timeout=60)


class EventWatcher:
    """Reads a real topic from its current end and keeps every envelope for assertions."""

    def __init__(self, *topics: str) -> None:
        self._topics = topics
        self.events: list[Envelope] = []
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> EventWatcher:
        self._consumer = AIOKafkaConsumer(
            *self._topics, bootstrap_servers=BOOTSTRAP, auto_offset_reset="latest"
        )
        await self._consumer.start()
        # Wait for the assignment and resolve the end offsets before anything is published.
        while not self._consumer.assignment():
            await asyncio.sleep(0.05)
        for partition in self._consumer.assignment():
            await self._consumer.position(partition)
        self._task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self._consumer is not None
        async for record in self._consumer:
            self.events.append(Envelope.from_bytes(record.value or b""))

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()

    def of(self, event_type: str, subject: str | None = None) -> list[Envelope]:
        return [
            e
            for e in self.events
            if e.type == event_type
            and (subject is None or subject in (e.subject, e.data.get("charge_point_id")))
        ]

    async def wait_for(
        self, event_type: str, subject: str | None = None, count: int = 1, timeout: float = 30
    ) -> list[Envelope]:
        async def enough() -> bool:
            return len(self.of(event_type, subject)) >= count

        await eventually(enough, timeout=timeout)
        return self.of(event_type, subject)
