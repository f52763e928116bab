"""The whole platform in this test process: every service and the gateway on free ports, against
the local stack's real PostgreSQL (a fresh database each), Kafka and localstripe.

Tests reach it only the way apps and chargers do: the gateway's public REST API, Stripe's API
as Stripe.js calls it (confirming a SetupIntent with a publishable key), and OCPP over WebSocket.
The timings that make a CSMS wait minutes in production (slot length, booking lead time, the
offline alert's delay, job intervals) are shortened here; the rules themselves are unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import SecretStr

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from services.analytics.app import create_app as create_analytics
from services.analytics.settings import Settings as AnalyticsSettings
from services.booking.app import create_app as create_booking
from services.booking.settings import Settings as BookingSettings
from services.connectivity.app import create_app as create_connectivity
from services.connectivity.settings import Settings as ConnectivitySettings
from services.identity.app import create_app as create_identity
from services.identity.settings import BootstrapClient
from services.identity.settings import Settings as IdentitySettings
from services.notifications.app import create_app as create_notifications
from services.notifications.settings import Settings as NotificationsSettings
from services.operations.app import create_app as create_operations
from services.operations.settings import Settings as OperationsSettings
from services.payment.app import create_app as create_payment
from services.payment.settings import Settings as PaymentSettings
from services.support.app import create_app as create_support
from services.support.settings import Settings as SupportSettings
from shared.events.topics import CHARGING_SESSIONS
from shared.kafka import create_producer
from tests.helpers.stack import free_port, fresh_database, serve, unique, wait_until_ready
from tests.notifications.harness import SmtpServer

ADMIN = {"email": "journey-admin@ladda.local", "password": "journey-admin-password-1"}
STRIPE_BASE = os.environ.get("LADDA_PAYMENT_STRIPE_API_BASE", "http://127.0.0.1:8420")
STRIPE_KEY = os.environ.get("LADDA_PAYMENT_STRIPE_API_KEY", "sk_test_ladda_local")
# New consumer groups read this far back: enough for the events published while the services
# start one after another, not the backlog every other test run left on the shared topics.
LOOKBACK_S = "30"


@dataclass
class Platform:
    api: httpx.AsyncClient  # the gateway, as the apps see it
    ocpp_url: str  # ws://host:port, chargers add /ocpp/{id}
    stripe_base: str
    # Every charger of this platform has an id starting with it (see `_SessionsBridge`).
    charger_prefix: str
    # The mail server notifications sends to (a real SMTP server process; one .eml per mail).
    smtp: SmtpServer


class _SessionsBridge:
    """Payment bills what it reads on its sessions topic. On the shared
    `charging.sessions.v1` it would bill every other test run's sessions and, finding no card,
    publish those drivers as owing on the shared `payment.accounts.v1`, where their own
    identity services would block their cards. So payment reads a topic of its own, and this
    forwards to it only the sessions of this platform's chargers (the topic is keyed by charger).
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.encode()
        self.topic = unique("test.e2e.journey.sessions")
        self._bootstrap = os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"]
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _SessionsBridge:
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
        await admin.start()
        try:
            await admin.create_topics(
                [NewTopic(self.topic, num_partitions=3, replication_factor=1)]
            )
        finally:
            await admin.close()
        partitions = [
            TopicPartition(CHARGING_SESSIONS.name, p) for p in range(CHARGING_SESSIONS.partitions)
        ]
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, enable_auto_commit=False)
        await consumer.start()
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        for partition in partitions:  # from now: nothing of this platform exists yet
            consumer.seek(partition, ends[partition])
        producer = create_producer(self._bootstrap, client_id="test-e2e-bridge")
        await producer.start()

        async def forward() -> None:
            try:
                async for record in consumer:
                    if (record.key or b"").startswith(self.prefix):
                        await producer.send_and_wait(self.topic, record.value, key=record.key)
            finally:
                await consumer.stop()
                await producer.stop()

        self._task = asyncio.create_task(forward())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([self.topic])
        finally:
            await admin.close()


@contextlib.contextmanager
def _recent_events_only() -> Iterator[None]:
    previous = os.environ.get("LADDA_KAFKA_NEW_GROUP_LOOKBACK_S")
    os.environ["LADDA_KAFKA_NEW_GROUP_LOOKBACK_S"] = LOOKBACK_S
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("LADDA_KAFKA_NEW_GROUP_LOOKBACK_S", None)
        else:
            os.environ["LADDA_KAFKA_NEW_GROUP_LOOKBACK_S"] = previous


SERVICES = (
    "identity",
    "connectivity",
    "booking",
    "payment",
    "operations",
    "analytics",
    "support",
    "notifications",
)


async def _databases() -> dict[str, SecretStr]:
    """A fresh database per service."""
    dsns = await asyncio.gather(*(fresh_database(f"test_e2e_journey_{s}") for s in SERVICES))
    return {service: SecretStr(dsn) for service, dsn in zip(SERVICES, dsns, strict=True)}


@contextlib.asynccontextmanager
async def running_platform() -> AsyncIterator[Platform]:
    suffix = unique(".journey")
    prefix = unique("JOURNEY").upper()
    identity_port, payment_port, ocpp_port = free_port(), free_port(), free_port()
    jwks_url = f"http://127.0.0.1:{identity_port}/.well-known/jwks.json"
    common = {"consumer_group_suffix": suffix, "jwks_url": jwks_url}
    databases = await _databases()
    bridge = _SessionsBridge(prefix)
    mailer_secret = secrets.token_urlsafe(32)
    identity = IdentitySettings(
        # Pay-as-you-go from the app: this identity decides hold tokens (tests/conftest.py
        # turns that off for the other test platforms, which would answer holds they never saw).
        decide_hold_tokens=True,
        bootstrap_clients=[
            BootstrapClient(
                client_id="notifications",
                secret=SecretStr(mailer_secret),
                scopes=["account-mails:issue", "invoices:read"],
            )
        ],
        database_url=databases["identity"],
        signing_key_passphrase=SecretStr("journey-passphrase"),
        bootstrap_admin_email=ADMIN["email"],
        bootstrap_admin_password=SecretStr(ADMIN["password"]),
        argon2_time_cost=1,
        argon2_memory_kib=8192,
        argon2_parallelism=1,
        register_max_per_address=10_000,
        **common,
    )
    connectivity = ConnectivitySettings(
        database_url=databases["connectivity"],
        ocpp_port=ocpp_port,
        flush_interval_s=0.05,
        session_update_interval_s=0.0,
        command_replay_lookback_s=5.0,
        **common,
    )
    booking = BookingSettings(
        database_url=databases["booking"],
        # One-second slots and no lead time: a booking can start now, and ReserveNow
        # (RESERVE_AHEAD before the window) goes out at once.
        slot=timedelta(seconds=1),
        min_lead_time=timedelta(0),
        reserve_ahead=timedelta(minutes=5),
        grace_period=timedelta(minutes=5),
        tick_interval_s=0.2,
        **common,
    )
    payment = PaymentSettings(
        database_url=databases["payment"],
        stripe_api_key=SecretStr(STRIPE_KEY),
        stripe_api_base=STRIPE_BASE,
        stripe_webhook_secret=SecretStr("whsec_journey_" + suffix[-8:]),
        stripe_webhook_register_id="test-e2e-journey",
        stripe_webhook_register_url=f"http://127.0.0.1:{payment_port}/v1/stripe/webhook",
        collector_poll_interval_s=0.5,
        webhook_retry_interval_s=0.5,
        holds_poll_interval_s=0.5,
        sessions_topic=bridge.topic,
        **common,
    )
    operations = OperationsSettings(
        database_url=databases["operations"],
        offline_alert_after_s=1.0,
        evaluation_interval_s=0.5,
        **common,
    )
    analytics = AnalyticsSettings(database_url=databases["analytics"], **common)
    support = SupportSettings(database_url=databases["support"], **common)
    smtp = SmtpServer(Path(tempfile.mkdtemp(prefix="ladda-journey-mail-")))
    notifications = NotificationsSettings(
        database_url=databases["notifications"],
        smtp_port=smtp.port,
        identity_url=f"http://127.0.0.1:{identity_port}",
        payment_url=f"http://127.0.0.1:{payment_port}",
        client_secret=SecretStr(mailer_secret),
        dispatch_interval_s=0.2,
        **common,
    )
    async with contextlib.AsyncExitStack() as stack:
        await smtp.start()
        stack.callback(smtp.stop)
        await stack.enter_async_context(bridge)
        with _recent_events_only():
            identity_url = await stack.enter_async_context(
                serve(create_identity(identity), port=identity_port)
            )
            await wait_until_ready(identity_url, timeout=60)
            # The others start side by side (migrations, consumers joining their groups).
            apps = {
                "connectivity": (create_connectivity(connectivity), None),
                "booking": (create_booking(booking), None),
                "payment": (create_payment(payment), payment_port),
                "operations": (create_operations(operations), None),
                "analytics": (create_analytics(analytics), None),
                "support": (create_support(support), None),
                "notifications": (create_notifications(notifications), None),
            }
            started = await asyncio.gather(
                *(stack.enter_async_context(serve(app, port=port)) for app, port in apps.values())
            )
            urls = {"identity": identity_url, **dict(zip(apps, started, strict=True))}
            await asyncio.gather(*(wait_until_ready(url, timeout=60) for url in urls.values()))
        gateway = create_gateway(
            GatewaySettings(
                jwks_url=jwks_url,
                rate_limit_enabled=False,
                **{f"upstream_{name}": url for name, url in urls.items()},
            )
        )
        gateway_url = await stack.enter_async_context(serve(gateway))
        api = await stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=30))
        yield Platform(
            api=api,
            ocpp_url=f"ws://127.0.0.1:{ocpp_port}",
            stripe_base=STRIPE_BASE,
            charger_prefix=prefix,
            smtp=smtp,
        )
