"""A running payment service for tests: its own database, real Kafka, the real localstripe."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import stripe
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from fastapi import FastAPI
from pydantic import SecretStr

from services.payment.app import create_app
from services.payment.settings import Settings
from services.payment.stripe_gateway import StripeGateway, StripeHttpClient
from shared.events.charging import SessionStopped
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka import create_producer
from tests.helpers.stack import free_port, serve, unique, wait_until_ready
from tests.helpers.tokens import TestIssuer

STRIPE_BASE = os.environ.get("LADDA_PAYMENT_STRIPE_API_BASE", "http://127.0.0.1:8420")
STRIPE_KEY = os.environ.get("LADDA_PAYMENT_STRIPE_API_KEY", "sk_test_ladda_local")
WEBHOOK_SECRET = "whsec_ladda_test_" + uuid.uuid4().hex[:12]
TOKENS = TestIssuer("payment-test-key")
token = TOKENS.token
auth = TOKENS.auth


def new_driver() -> tuple[str, dict[str, str]]:
    user_id = str(uuid.uuid4())
    return user_id, auth(user_id, "driver")


def payment_settings(database_url: str, port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": SecretStr(database_url),
        "consumer_group_suffix": unique(".t"),
        "stripe_api_key": SecretStr(STRIPE_KEY),
        "stripe_api_base": STRIPE_BASE,
        "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
        # One registration per test database (so re-runs overwrite it instead of piling up).
        "stripe_webhook_register_id": f"test-{database_url.rsplit('/', 1)[-1]}",
        "stripe_webhook_register_url": f"http://127.0.0.1:{port}/v1/stripe/webhook",
        "collector_poll_interval_s": 0.5,
        "webhook_retry_interval_s": 0.5,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class PaymentService:
    app: FastAPI
    url: str
    http: httpx.AsyncClient
    db: asyncpg.Pool
    dsn: str
    settings: Settings

    @property
    def stripe(self) -> StripeGateway:
        gateway: StripeGateway = self.app.state.payments.stripe
        return gateway


@contextlib.asynccontextmanager
async def sessions_topic() -> AsyncIterator[str]:
    """A charging-sessions topic of this test module's own (the platform's one is shared)."""
    name = unique("test.payment.sessions")
    admin = AIOKafkaAdminClient(bootstrap_servers=os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"])
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=3, replication_factor=1)])
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def running(dsn: str, **overrides: Any) -> AsyncIterator[PaymentService]:
    port = overrides.pop("port", None) or free_port()
    # Tokens signed by the tests' own key, unless the test runs a real identity (its JWKS).
    keys = TOKENS.key_source() if "jwks_url" not in overrides else None
    settings = payment_settings(dsn, port, **overrides)
    app = create_app(settings, key_source=keys)
    async with serve(app, port) as url:
        await wait_until_ready(url)
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=3)
        assert pool is not None
        try:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                yield PaymentService(app, url, http, pool, dsn, settings)
        finally:
            await pool.close()


async def publish_session_stopped(topic: str, **fields: Any) -> tuple[SessionStopped, Envelope]:
    """What connectivity publishes when a session ends (defaults: 20 kWh in one hour)."""
    envelope: Envelope | None = fields.pop("envelope", None)
    start = fields.pop("started_at", datetime.now(UTC) - timedelta(hours=1))
    values: dict[str, Any] = {
        "session_id": str(uuid.uuid4()),
        "charge_point_id": "PAY-CP-1",
        "connector_id": 1,
        "transaction_id": uuid.uuid4().hex[:8],
        "id_tag": "TAG-" + uuid.uuid4().hex[:6],
        "user_id": None,
        "started_at": start,
        "stopped_at": start + timedelta(hours=1),
        "duration_s": 3600,
        "energy_wh": 20_000,
        "stop_reason": "EVDisconnected",
        **fields,
    }
    event = SessionStopped(**values)
    envelope = envelope or Envelope.wrap(
        event, source="connectivity", subject=event.session_id, correlation_id=unique("test")
    )
    await publish_envelope(topic, envelope, key=event.charge_point_id)
    return event, envelope


async def publish_envelope(topic: str, envelope: Envelope, *, key: str) -> None:
    producer = create_producer(os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"], client_id="test-conn")
    await producer.start()
    try:
        await producer.send_and_wait(topic, envelope.to_bytes(), key=key.encode())
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def stripe_client() -> AsyncIterator[stripe.StripeClient]:
    """A Stripe client of the test's own, to look at what localstripe holds."""
    http = StripeHttpClient(timeout=20)
    try:
        yield stripe.StripeClient(STRIPE_KEY, base_addresses={"api": STRIPE_BASE}, http_client=http)
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]


async def save_card(
    service: PaymentService, headers: dict[str, str], card: str = "pm_card_visa"
) -> dict[str, Any]:
    """What the app does: a SetupIntent, Stripe's SDK confirms it with the card, then save."""
    started = await service.http.post("/v1/payment-methods/setup-intents", headers=headers)
    assert started.status_code == 201, started.text
    intent = started.json()
    await service.stripe.confirm_setup_intent(intent["setup_intent_id"], card)
    saved = await service.http.post(
        "/v1/payment-methods", json={"setup_intent_id": intent["setup_intent_id"]}, headers=headers
    )
    assert saved.status_code == 201, saved.text
    body: dict[str, Any] = saved.json()
    return body


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header, computed the way Stripe computes it."""
    at = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), b"%d." % at + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def stripe_event(event_type: str, obj: dict[str, Any], **extra: Any) -> bytes:
    event = {
        "id": extra.pop("id", "evt_" + uuid.uuid4().hex[:16]),
        "object": "event",
        "type": event_type,
        "created": extra.pop("created", int(time.time())),
        "api_version": "2017-08-15",
        "data": {"object": obj},
        **extra,
    }
    return json.dumps(event).encode()


async def records_for_key(topic: Topic, key: str) -> list[Envelope]:
    """Every event on `topic` under `key`, oldest first, read back from Kafka."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"],
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        found: list[Envelope] = []
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batch = await consumer.getmany(*partitions, timeout_ms=500)
            for records in batch.values():
                found += [
                    Envelope.from_bytes(r.value or b"")
                    for r in records
                    if r.key is not None and r.key.decode() == key
                ]
        return found
    finally:
        await consumer.stop()


async def successful_charges(db: asyncpg.Pool, user_id: str) -> list[dict[str, Any]]:
    """The driver's successful charges as localstripe has them (customer from payment's db)."""
    customer = await db.fetchval(
        "select stripe_customer_id from customers where user_id = $1", user_id
    )
    if customer is None:
        return []
    async with stripe_client() as client:
        listed = await client.v1.charges.list_async(params={"customer": customer, "limit": 100})
    return [c.to_dict() for c in listed.data if c.status == "succeeded"]


async def invoice_of_session(service: PaymentService, session_id: str) -> dict[str, Any] | None:
    row = await service.db.fetchrow(
        "select id, status, total_minor, failed_attempts from invoices where session_id = $1",
        session_id,
    )
    return dict(row) if row else None


async def create_tariff(service: PaymentService, **body: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Test tariff",
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price_minor": 350},
                    {"type": "FLAT", "price_minor": 500},
                ]
            }
        ],
        # In force well before the sessions the tests stop (priced at their start).
        "valid_from": (datetime.now(UTC) - timedelta(days=400)).isoformat(),
        **body,
    }
    response = await service.http.post(
        "/v1/tariffs", json=values, headers=auth("operator-1", "operator")
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
