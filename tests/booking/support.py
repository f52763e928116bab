"""A running booking service for tests (real PostgreSQL, Kafka, HTTP), tokens and factories."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from pydantic import SecretStr

from services.booking.app import create_app
from services.booking.settings import Settings
from services.booking.timeslots import ceil_slot
from shared.db import Connection, create_pool
from shared.events.envelope import Envelope, EventPayload
from shared.events.topics import (
    BOOKING_RESERVATIONS,
    CHARGEPOINTS_REGISTRY,
    CHARGEPOINTS_STATUS,
    CHARGING_SESSIONS,
    CONNECTIVITY_COMMAND_RESULTS,
    CONNECTIVITY_COMMANDS,
    IDENTITY_ID_TOKENS,
    OPERATIONS_ALERTS,
    Topic,
)
from shared.kafka import create_producer
from tests.helpers.polling import eventually
from tests.helpers.stack import serve, unique, wait_until_ready
from tests.helpers.tokens import TestIssuer

BOOTSTRAP = os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"]
TOKENS = TestIssuer("booking-test-key")
token = TOKENS.token
auth = TOKENS.auth


def driver(name: str | None = None) -> tuple[str, dict[str, str]]:
    user_id = name or unique("driver")
    return user_id, auth(user_id, "driver")


OPERATOR = auth("operator-1", "operator")
ADMIN = auth("admin-1", "admin")
SUPPORT = auth("support-1", "support")


@dataclass
class Service:
    app: FastAPI
    url: str
    pool: asyncpg.Pool
    http: httpx.AsyncClient
    settings: Settings


def settings_for(dsn: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": SecretStr(dsn),
        "consumer_group_suffix": unique(".test"),
        "db_pool_max_size": 10,
        "tick_interval_s": 0.2,
    }
    values.update(overrides)
    return Settings(**values)


CONSUMED = {
    "registry": CHARGEPOINTS_REGISTRY,
    "status": CHARGEPOINTS_STATUS,
    "id-tokens": IDENTITY_ID_TOKENS,
    "sessions": CHARGING_SESSIONS,
    "command-results": CONNECTIVITY_COMMAND_RESULTS,
    "maintenance": OPERATIONS_ALERTS,
}


def connectivity_groups(suffix: str, replica_id: str) -> dict[str, Topic]:
    """The consumer groups of a connectivity test service (see its events.py)."""
    return {
        f"connectivity.id-tokens{suffix}": IDENTITY_ID_TOKENS,
        f"connectivity.commands.{replica_id}{suffix}": CONNECTIVITY_COMMANDS,
        f"connectivity.booking-holds{suffix}": BOOKING_RESERVATIONS,
    }


async def start_at_the_end(groups: dict[str, Topic]) -> None:
    """Commit the current end of each topic for its consumer group, before the service starts.

    The shared topics hold every other test run's events (tens of thousands of status events,
    and events of other branches' newer contracts that a consumer would dead-letter slowly);
    a test service reads only what is published while it runs.
    """
    for group, topic in groups.items():
        consumer = AIOKafkaConsumer(
            bootstrap_servers=BOOTSTRAP, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
            ends = await consumer.end_offsets(partitions)
            consumer.assign(partitions)
            await consumer.commit(dict(ends))
        finally:
            await consumer.stop()


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Service]:
    suffix = settings.consumer_group_suffix
    await start_at_the_end(
        {f"booking.{purpose}{suffix}": topic for purpose, topic in CONSUMED.items()}
    )
    app = create_app(settings, key_source=TOKENS.key_source())
    async with serve(app) as url:
        await wait_until_ready(url)
        pool = await create_pool(settings.database_url.get_secret_value())
        try:
            async with httpx.AsyncClient(base_url=url, timeout=60) as http:
                yield Service(app, url, pool, http, settings)
        finally:
            await pool.close()


# -- time -------------------------------------------------------------------------------------


def slot_start(settings: Settings, ahead: timedelta = timedelta(days=1)) -> datetime:
    """An aligned start this far ahead (well past the minimum lead time by default)."""
    return ceil_slot(datetime.now(UTC) + ahead, settings.slot)


def window(
    settings: Settings, ahead: timedelta = timedelta(days=1), slots: int = 4
) -> dict[str, str]:
    start = slot_start(settings, ahead)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + slots * settings.slot).isoformat(),
    }


# -- factories --------------------------------------------------------------------------------


async def create_charge_point(conn: Connection, **overrides: Any) -> str:
    """A charge point in booking's read model (as connectivity's registry event would put it)."""
    values: dict[str, Any] = {
        "id": unique("CP"),
        "ocpp_version": "1.6",
        "connectors": 2,
        "approval": "approved",
        "site_name": unique("site"),
        "address": "Testgatan 1",
        "latitude": 59.33,
        "longitude": 18.06,
        "online": True,
        **overrides,
    }
    await conn.execute(
        """insert into charge_points (id, ocpp_version, connectors, approval, site_name, address,
                                      latitude, longitude, online)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        *values.values(),
    )
    return str(values["id"])


async def create_id_token(conn: Connection, **overrides: Any) -> str:
    values: dict[str, Any] = {
        "uid": unique("TAG"),
        "kind": "rfid",
        "user_id": unique("driver"),
        "decision": "Accepted",
        **overrides,
    }
    await conn.execute(
        "insert into driver_id_tokens (uid, kind, user_id, decision) values ($1, $2, $3, $4)",
        *values.values(),
    )
    return str(values["uid"])


async def set_connector_status(
    conn: Connection, cp_id: str, connector_id: int, status: str
) -> None:
    await conn.execute(
        """insert into connector_states (charge_point_id, connector_id, status, changed_at)
           values ($1, $2, $3, now())
           on conflict (charge_point_id, connector_id) do update set status = excluded.status""",
        cp_id,
        connector_id,
        status,
    )


async def create_reservation(conn: Connection, **overrides: Any) -> uuid.UUID:
    """A reservation written directly (for lifecycle tests whose windows the rules would refuse)."""
    starts_at: datetime = overrides.pop("starts_at")
    ends_at: datetime = overrides.pop("ends_at")
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "kind": "booking",
        "user_id": unique("driver"),
        "id_tag": None,
        "charge_point_id": "CP",
        "connector_id": 1,
        "status": "confirmed",
        "created_by": "test",
        **overrides,
    }
    await conn.execute(
        """insert into reservations (id, kind, user_id, id_tag, charge_point_id, connector_id,
                                     status, created_by, during)
           values ($1, $2, $3, $4, $5, $6, $7, $8, tstzrange($9, $10, '[)'))""",
        *values.values(),
        starts_at,
        ends_at,
    )
    return uuid.UUID(str(values["id"]))


async def publish_event(payload: EventPayload, key: str, *, source: str = "test") -> Envelope:
    """Publish an event on its real topic, as the owning service's relay would."""
    envelope = Envelope.wrap(payload, source=source, subject=key, correlation_id=None)
    producer = create_producer(BOOTSTRAP, client_id="test-booking")
    await producer.start()
    try:
        await producer.send_and_wait(payload.topic.name, envelope.to_bytes(), key=key.encode())
    finally:
        await producer.stop()
    return envelope


async def reservation_status(service: Service, reservation_id: str) -> dict[str, Any]:
    row = await service.pool.fetchrow(
        "select status, charger_hold, cancel_reason, session_id, alternative "
        "from reservations where id = $1",
        uuid.UUID(reservation_id),
    )
    assert row is not None
    return dict(row)


async def wait_status(
    service: Service, reservation_id: str, status: str, timeout: float = 30
) -> None:
    async def reached() -> bool:
        return (await reservation_status(service, reservation_id))["status"] == status

    await eventually(reached, timeout=timeout)
