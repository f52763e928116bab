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
from typing import Any

import asyncpg
import httpx
import stripe
from aiokafka import AIOKafkaConsumer, TopicPartition
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from jose import jwk, jwt
from pydantic import SecretStr

from services.payment.app import create_app
from services.payment.settings import Settings
from services.payment.stripe_gateway import StripeGateway
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from tests.helpers.stack import free_port, serve, unique, wait_until_ready

STRIPE_BASE = os.environ.get("LADDA_PAYMENT_STRIPE_API_BASE", "http://127.0.0.1:8420")
STRIPE_KEY = os.environ.get("LADDA_PAYMENT_STRIPE_API_KEY", "sk_test_ladda_local")
WEBHOOK_SECRET = "whsec_ladda_test_" + uuid.uuid4().hex[:12]
KID = "payment-test-key"
_PRIVATE = ec.generate_private_key(ec.SECP256R1())
_PEM = _PRIVATE.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
_PUBLIC_JWK: dict[str, Any] = {
    **jwk.construct(
        _PRIVATE.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        "ES256",
    ).to_dict(),
    "kid": KID,
}


class StaticKeys:
    async def key_for(self, kid: str) -> dict[str, Any] | None:
        return _PUBLIC_JWK if kid == KID else None


def auth(subject: str, *roles: str) -> dict[str, str]:
    issued = int(time.time())
    claims = {
        "iss": "ladda-identity",
        "aud": "ladda",
        "sub": subject,
        "roles": list(roles),
        "iat": issued,
        "exp": issued + 900,
        "jti": uuid.uuid4().hex,
    }
    return {
        "Authorization": "Bearer "
        + str(jwt.encode(claims, _PEM, algorithm="ES256", headers={"kid": KID}))
    }


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
async def running(dsn: str, **overrides: Any) -> AsyncIterator[PaymentService]:
    port = free_port()
    settings = payment_settings(dsn, port, **overrides)
    app = create_app(settings, key_source=StaticKeys())
    async with serve(app, port) as url:
        await wait_until_ready(url)
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=3)
        assert pool is not None
        try:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                yield PaymentService(app, url, http, pool, dsn, settings)
        finally:
            await pool.close()


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        STRIPE_KEY,
        base_addresses={"api": STRIPE_BASE},
        http_client=stripe.HTTPXClient(timeout=20),
    )


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
