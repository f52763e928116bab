"""A running notifications service for tests: its own database, the stack's PostgreSQL and
Kafka, a real SMTP server process (tools.devsmtp) on a free port, a stand-in for identity at
the HTTP boundary (client-credentials tokens and account-mail issuing), and a webhook receiver."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI, Request, Response
from jose import jwt
from pydantic import SecretStr

from services.notifications.app import create_app
from services.notifications.events import SUBSCRIPTIONS
from services.notifications.settings import Settings
from shared.events.envelope import Envelope, EventPayload
from shared.events.identity import ContactChanged
from shared.events.topics import ALL_TOPICS, IDENTITY_CONTACTS
from shared.kafka import create_producer
from tests.helpers.polling import eventually
from tests.helpers.stack import ROOT, free_port, serve, unique, wait_until_ready
from tests.helpers.tokens import TestIssuer

BOOTSTRAP = os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"]
CLIENT_ID = "notifications"
CLIENT_SECRET = "notifications-test-" + uuid.uuid4().hex


class SmtpServer:
    """tools.devsmtp as a real process: stopped and started again by the tests."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tools.devsmtp",
                "--port",
                str(self.port),
                "--dir",
                str(self.folder),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def start(self) -> None:
        self.spawn()

        async def listening() -> bool:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                return False
            writer.close()
            return True

        await eventually(listening, timeout=30)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def mails(self) -> list[EmailMessage]:
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            with path.open("rb") as handle:
                message = email.message_from_binary_file(handle, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(message)
        return found

    def mails_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mails() if address in str(m["To"])]


@dataclass
class IdentityStandIn:
    """identity's token endpoint and account-mail issuing, at the HTTP boundary."""

    issuer: TestIssuer
    mails: dict[str, dict[str, Any]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/auth/token")
        async def token(request: Request) -> Response:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                return Response(status_code=401)
            scopes = str(form.get("scope", "")).split()
            access = self.issuer.token(CLIENT_ID, "service", scopes=scopes)
            body = {"access_token": access, "token_type": "Bearer", "expires_in": 900}
            return Response(json.dumps(body), media_type="application/json")

        @app.post("/v1/account-mails/{mail_id}/issue")
        async def issue(mail_id: str, request: Request) -> Response:
            auth = request.headers.get("authorization", "")
            claims = jwt.get_unverified_claims(auth[7:])
            if "account-mails:issue" not in str(claims.get("scope", "")).split():
                return Response(status_code=403)
            if mail_id in self.gone:
                return Response(status_code=410)
            mail = self.mails.get(mail_id)
            if mail is None:
                return Response(status_code=404)
            self.issued.append(mail_id)
            link = f"https://ladda.example/{mail['kind']}?token={uuid.uuid4().hex}"
            body = {"mail_id": mail_id, "link": link, "link_expires_at": None, "detail": {}} | mail
            return Response(json.dumps(body), media_type="application/json")

        return app


@dataclass
class Notifications:
    app: FastAPI
    url: str
    http: httpx.AsyncClient
    db: asyncpg.Pool
    settings: Settings
    smtp: SmtpServer
    identity: IdentityStandIn


def notifications_settings(
    dsn: str, smtp: SmtpServer, identity_url: str, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "database_url": SecretStr(dsn),
        "consumer_group_suffix": unique(".t"),
        "smtp_port": smtp.port,
        "dev_mail_dir": str(smtp.folder),
        "identity_url": identity_url,
        "client_id": CLIENT_ID,
        "client_secret": SecretStr(CLIENT_SECRET),
        "dispatch_interval_s": 0.2,
        "retry_base_s": 0.5,
        "retry_max_s": 2.0,
        "smtp_timeout_s": 3.0,
        "webhook_timeout_s": 3.0,
        "webhook_allow_http": True,
        "db_pool_max_size": 6,
    }
    values.update(overrides)
    return Settings(**values)


async def start_groups_at_end(settings: Settings) -> None:
    """The shared topics hold every earlier run's events: the test's groups start at the end."""
    for purpose, topics in SUBSCRIPTIONS.items():
        consumer = AIOKafkaConsumer(
            bootstrap_servers=BOOTSTRAP,
            group_id=f"notifications.{purpose}{settings.consumer_group_suffix}",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            partitions = [
                TopicPartition(topic, p)
                for topic in topics
                for p in range(next(t.partitions for t in ALL_TOPICS if t.name == topic))
            ]
            consumer.assign(partitions)
            await consumer.commit(dict((await consumer.end_offsets(partitions)).items()))
        finally:
            await consumer.stop()


@contextlib.asynccontextmanager
async def running(
    dsn: str, folder: Path, issuer: TestIssuer, **overrides: Any
) -> AsyncIterator[Notifications]:
    smtp = SmtpServer(folder)
    await smtp.start()
    identity = IdentityStandIn(issuer)
    try:
        async with serve(identity.app()) as identity_url:
            settings = notifications_settings(dsn, smtp, identity_url, **overrides)
            await start_groups_at_end(settings)
            app = create_app(settings, key_source=issuer.key_source())
            async with serve(app) as url:
                await wait_until_ready(url)
                pool = await asyncpg.create_pool(dsn, min_size=1, max_size=3)
                assert pool is not None
                try:
                    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                        yield Notifications(app, url, http, pool, settings, smtp, identity)
                finally:
                    await pool.close()
    finally:
        smtp.stop()


async def publish(payload: EventPayload, key: str) -> Envelope:
    envelope = Envelope.wrap(payload, source="test", subject=key, correlation_id=None)
    await publish_envelope(envelope, payload.topic.name, key)
    return envelope


async def publish_envelope(envelope: Envelope, topic: str, key: str) -> None:
    producer = create_producer(BOOTSTRAP, client_id="test-notifications")
    await producer.start()
    try:
        await producer.send_and_wait(topic, envelope.to_bytes(), key=key.encode())
    finally:
        await producer.stop()


async def publish_tombstone(user_id: str) -> None:
    producer = create_producer(BOOTSTRAP, client_id="test-notifications")
    await producer.start()
    try:
        await producer.send_and_wait(IDENTITY_CONTACTS.name, None, key=user_id.encode())
    finally:
        await producer.stop()


async def new_contact(
    service: Notifications, *roles: str, locale: str = "en", name: str | None = "Ada"
) -> tuple[str, str]:
    """A user whose contact details notifications knows; returns (user id, address)."""
    user_id = str(uuid.uuid4())
    address = f"{user_id[:8]}@example.com"
    await publish(
        ContactChanged(
            user_id=user_id,
            email=address,
            display_name=name,
            locale=locale,  # type: ignore[arg-type]
            email_verified=True,
            roles=list(roles) or ["driver"],
        ),
        user_id,
    )

    async def known() -> bool:
        return bool(await service.db.fetchval("select 1 from contacts where user_id = $1", user_id))

    await eventually(known, timeout=30)
    return user_id, address
