"""The identity service on a real port, over its own fresh database, for one test module."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from pydantic import SecretStr

from services.identity.app import create_app
from services.identity.settings import Settings
from shared.events.envelope import Envelope
from shared.events.payment import PaymentAccountChanged
from shared.events.topics import PAYMENT_ACCOUNTS, Topic
from shared.kafka import create_producer
from tests.helpers.stack import fresh_database, serve, unique, wait_until_ready
from tests.helpers.tokens import SigningKey

ADMIN_EMAIL = "admin@ladda.local"
ADMIN_PASSWORD = "bootstrap-admin-password-1"
PASSWORD = "correct horse battery"


def identity_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": SecretStr(database_url),
        "consumer_group_suffix": unique(".t"),
        "signing_key_passphrase": SecretStr(os.environ["LADDA_IDENTITY_SIGNING_KEY_PASSPHRASE"]),
        "bootstrap_admin_email": ADMIN_EMAIL,
        "bootstrap_admin_password": SecretStr(ADMIN_PASSWORD),
        "maintenance_interval_s": 0.3,
        # Tests register many accounts from one address; test_throttling tests the limit.
        "register_max_per_address": 10_000,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Identity:
    """A running identity service: its URL, an HTTP client, its app and its database."""

    url: str
    http: httpx.AsyncClient
    app: FastAPI
    db: asyncpg.Pool
    dsn: str
    admin_token: str

    def auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(self.admin_token)


async def login(http: httpx.AsyncClient, email: str, password: str) -> dict[str, Any]:
    response = await http.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
async def identity(request: pytest.FixtureRequest) -> AsyncIterator[Identity]:
    name = "test_identity_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    dsn = await fresh_database(name)
    # A test module may set IDENTITY_SETTINGS = {...} to run its identity differently.
    app = create_app(identity_settings(dsn, **getattr(request.module, "IDENTITY_SETTINGS", {})))
    async with serve(app) as url:
        await wait_until_ready(url)
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=3)
        assert pool is not None
        try:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
                yield Identity(
                    url=url,
                    http=http,
                    app=app,
                    db=pool,
                    dsn=dsn,
                    admin_token=admin["access_token"],
                )
        finally:
            await pool.close()


@dataclass
class Account:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def create_account(identity: Identity, **overrides: Any) -> Account:
    """Register (or, with `roles`, have the admin create) an account and log it in."""
    email = overrides.pop("email", f"{unique('user')}@example.com")
    password = overrides.pop("password", PASSWORD)
    roles = overrides.pop("roles", None)
    body = {"email": email, "password": password, **overrides}
    if roles is None:
        # Each from an address of its own: registrations are throttled per address.
        response = await identity.http.post("/v1/auth/register", json=body, headers=from_address())
    else:
        response = await identity.http.post(
            "/v1/users", json={**body, "roles": roles}, headers=identity.admin
        )
    assert response.status_code == 201, response.text
    tokens = await login(identity.http, email, password)
    return Account(
        id=response.json()["id"],
        email=email,
        password=password,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )


async def create_client(
    identity: Identity, name: str = "connectivity", scopes: list[str] | None = None
) -> dict[str, Any]:
    """A service account made by the admin (with its one-time secret)."""
    response = await identity.http.post(
        "/v1/auth/clients", json={"name": name, "scopes": scopes or []}, headers=identity.admin
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def token_for(identity: Identity, client_id: str, secret: str) -> httpx.Response:
    """The client-credentials grant, form-encoded as RFC 6749 §4.4 has it."""
    return await identity.http.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


def from_address() -> dict[str, str]:
    """A client address of its own (behind the gateway it arrives as X-Forwarded-For)."""
    raw = uuid.uuid4().bytes
    return {"X-Forwarded-For": f"10.{raw[0]}.{raw[1]}.{raw[2] or 1}"}


async def forge_token(identity: Identity, **claims: Any) -> str:
    """A token signed with the service's real active key, with the claims given."""
    row = await identity.db.fetchrow(
        "select kid, private_pem_encrypted from signing_keys where retired_at is null"
    )
    assert row is not None
    passphrase = os.environ["LADDA_IDENTITY_SIGNING_KEY_PASSPHRASE"].encode()
    private = serialization.load_pem_private_key(bytes(row["private_pem_encrypted"]), passphrase)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    return SigningKey(kid=row["kid"], private=private).sign(claims)


async def audit_actions(identity: Identity, subject_id: str) -> list[tuple[str, str]]:
    rows = await identity.db.fetch(
        "select action, outcome from audit_log where subject_id = $1 order by id", subject_id
    )
    return [(row["action"], row["outcome"]) for row in rows]


async def records_for_key(topic: Topic, key: str) -> list[Envelope]:
    """Every event on `topic` under `key`, oldest first, read back from Kafka itself."""
    return [Envelope.from_bytes(value) for value in await values_for_key(topic, key) if value]


async def values_for_key(topic: Topic, key: str) -> list[bytes | None]:
    """Every raw value on `topic` under `key` (None: a tombstone), oldest first."""
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
        found: list[bytes | None] = []
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batch = await consumer.getmany(*partitions, timeout_ms=500)
            for records in batch.values():
                found += [r.value for r in records if r.key is not None and r.key.decode() == key]
        # One key lives in one partition, read in offset order: the order Kafka keeps.
        return found
    finally:
        await consumer.stop()


async def publish_payment_account(
    user_id: str,
    *,
    has_payment_method: bool = True,
    subscription_active: bool = False,
    has_overdue_invoice: bool = False,
    envelope: Envelope | None = None,
) -> Envelope:
    """What the payment service publishes on payment.accounts.v1 (or `envelope` again, as is)."""
    if envelope is None:
        envelope = Envelope.wrap(
            PaymentAccountChanged(
                user_id=user_id,
                has_payment_method=has_payment_method,
                subscription_active=subscription_active,
                has_overdue_invoice=has_overdue_invoice,
            ),
            source="payment",
            subject=user_id,
            correlation_id=unique("test"),
        )
    producer = create_producer(
        os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"], client_id="test-payment"
    )
    await producer.start()
    try:
        await producer.send_and_wait(
            PAYMENT_ACCOUNTS.name, envelope.to_bytes(), key=user_id.encode()
        )
    finally:
        await producer.stop()
    return envelope


async def decision_of(identity: Identity, uid: str) -> tuple[str, str | None] | None:
    """The decision identity last published for a UID (None: never published)."""
    row = await identity.db.fetchrow(
        "select decision, reason from id_token_decisions where uid = $1", uid
    )
    return (row["decision"], row["reason"]) if row else None
