"""Browser tests of the web app: identity, connectivity and the gateway serving `web/dist`, in
this process on free ports (real PostgreSQL and Kafka), driven by Debian's Chromium through
Playwright. Playwright's own browser download is never used (`executable_path`)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from playwright.async_api import Browser, Page, async_playwright, expect
from pydantic import SecretStr

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from services.analytics.app import create_app as create_analytics
from services.analytics.events import topics as analytics_topics
from services.analytics.settings import Settings as AnalyticsSettings
from services.booking.app import create_app as create_booking
from services.booking.settings import Settings as BookingSettings
from services.connectivity.app import create_app as create_connectivity
from services.connectivity.settings import Settings as ConnectivitySettings
from services.identity.app import create_app as create_identity
from services.identity.settings import Settings as IdentitySettings
from services.operations.app import create_app as create_operations
from services.operations.events import SUBSCRIPTIONS as OPERATIONS_SUBSCRIPTIONS
from services.operations.settings import Settings as OperationsSettings
from services.payment.app import create_app as create_payment
from services.payment.settings import Settings as PaymentSettings
from services.support.app import create_app as create_support
from services.support.events import SUBSCRIPTIONS as SUPPORT_SUBSCRIPTIONS
from services.support.settings import Settings as SupportSettings
from shared.events.topics import (
    ALL_TOPICS,
    CHARGEPOINTS_REGISTRY,
    CHARGEPOINTS_STATUS,
    CHARGING_SESSIONS,
    CONNECTIVITY_COMMAND_RESULTS,
    IDENTITY_ID_TOKENS,
)
from tests.helpers.stack import ROOT, free_port, fresh_database, serve, unique, wait_until_ready

DIST = ROOT / "web" / "dist"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("LADDA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("LADDA_WEB_ARTIFACTS", ROOT / ".local" / "artifacts" / "web"))
# Pages poll every 5-10 s: give them time to show what changed.
expect.set_options(timeout=20_000)
ARTIFACTS.mkdir(parents=True, exist_ok=True)
ACCESS_TTL_S = 40
ADMIN = {"email": "web-admin@ladda.local", "password": "web-admin-password-1"}


@dataclass
class Platform:
    url: str  # the gateway: API and web app
    api: httpx.AsyncClient
    ocpp_url: str


async def start_at_the_end(groups: dict[str, list[str]]) -> None:
    """Commit the current end of the shared topics for each consumer group of a service that
    starts here: it reads only what is published while the tests run, not every earlier run's
    events (tens of thousands of status events)."""
    for group, topics in groups.items():
        consumer = AIOKafkaConsumer(
            bootstrap_servers=os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"],
            group_id=group,
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
            await consumer.commit(dict(await consumer.end_offsets(partitions)))
        finally:
            await consumer.stop()


@contextlib.asynccontextmanager
async def private_topic(name: str) -> AsyncIterator[None]:
    admin = AIOKafkaAdminClient(bootstrap_servers=os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"])
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
        yield
        await admin.delete_topics([name])
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def console_services(suffix: str, jwks_url: str) -> AsyncIterator[dict[str, Any]]:
    """The services behind the console's newer pages, as gateway upstream settings: operations
    (alerts, work orders, inspections), support (tickets), payment (tariffs, plans, invoices;
    localstripe, no webhook registration, a sessions topic of its own), booking (reservations,
    blocks), analytics."""
    platform: dict[str, Any] = {"consumer_group_suffix": suffix, "jwks_url": jwks_url}
    # Payment reads a sessions topic of its own: on the shared one it would invoice other test
    # runs' sessions and publish those invoices where their tests count them.
    sessions_topic = unique("test.web.payment.sessions")
    operations = OperationsSettings(
        database_url=SecretStr(await fresh_database("test_web_operations")),
        evaluation_interval_s=0.5,
        **platform,
    )
    support = SupportSettings(
        database_url=SecretStr(await fresh_database("test_web_support")), **platform
    )
    payment = PaymentSettings(
        database_url=SecretStr(await fresh_database("test_web_payment")),
        sessions_topic=sessions_topic,
        stripe_api_key=SecretStr(os.environ.get("LADDA_PAYMENT_STRIPE_API_KEY", "sk_test_x")),
        stripe_api_base=os.environ.get("LADDA_PAYMENT_STRIPE_API_BASE", "http://127.0.0.1:8420"),
        stripe_webhook_register_url=None,
        **platform,
    )
    booking = BookingSettings(
        database_url=SecretStr(await fresh_database("test_web_booking")), **platform
    )
    analytics = AnalyticsSettings(
        database_url=SecretStr(await fresh_database("test_web_analytics")), **platform
    )
    booking_topics = (
        CHARGEPOINTS_REGISTRY,
        CHARGEPOINTS_STATUS,
        IDENTITY_ID_TOKENS,
        CHARGING_SESSIONS,
        CONNECTIVITY_COMMAND_RESULTS,
    )
    await start_at_the_end(
        {f"operations.{p}{suffix}": t for p, t in OPERATIONS_SUBSCRIPTIONS.items()}
        | {f"support.{p}{suffix}": t for p, t in SUPPORT_SUBSCRIPTIONS.items()}
        | {
            f"payment.holds{suffix}": [
                payment.id_tokens_topic,
                payment.command_results_topic,
                payment.registry_topic,
            ]
        }
        | {
            f"booking.{p}{suffix}": [t.name]
            for p, t in zip(
                ("registry", "status", "id-tokens", "sessions", "command-results"),
                booking_topics,
                strict=True,
            )
        }
        | {f"analytics.read-models{suffix}": analytics_topics(analytics)}
    )
    async with (
        private_topic(sessions_topic),
        serve(create_operations(operations)) as operations_url,
        serve(create_support(support)) as support_url,
        serve(create_payment(payment)) as payment_url,
        serve(create_booking(booking)) as booking_url,
        serve(create_analytics(analytics)) as analytics_url,
    ):
        upstreams: dict[str, Any] = {
            "upstream_operations": operations_url,
            "upstream_support": support_url,
            "upstream_payment": payment_url,
            "upstream_booking": booking_url,
            "upstream_analytics": analytics_url,
        }
        for url in upstreams.values():
            await wait_until_ready(url, timeout=60)
        yield upstreams


@pytest.fixture(scope="package")
async def platform() -> AsyncIterator[Platform]:
    assert (DIST / "index.html").is_file(), "web/dist is missing: run `make web` first"
    suffix = unique(".web")
    identity_port = free_port()
    jwks_url = f"http://127.0.0.1:{identity_port}/.well-known/jwks.json"
    identity = create_identity(
        IdentitySettings(
            database_url=SecretStr(await fresh_database("test_web_identity")),
            consumer_group_suffix=suffix,
            signing_key_passphrase=SecretStr("web-passphrase"),
            bootstrap_admin_email=ADMIN["email"],
            bootstrap_admin_password=SecretStr(ADMIN["password"]),
            jwks_url=jwks_url,
            argon2_time_cost=1,
            argon2_memory_kib=8192,
            argon2_parallelism=1,
            # Short-lived access tokens: the app refreshes (and identity rotates the refresh
            # token) every few requests, so every browser test exercises the rotation.
            access_token_ttl_s=ACCESS_TTL_S,
        )
    )
    ocpp_port = free_port()
    connectivity = create_connectivity(
        ConnectivitySettings(
            database_url=SecretStr(await fresh_database("test_web_connectivity")),
            consumer_group_suffix=suffix,
            ocpp_port=ocpp_port,
            jwks_url=jwks_url,
            flush_interval_s=0.05,
        )
    )
    async with (
        serve(identity, port=identity_port) as identity_url,
        serve(connectivity) as connectivity_url,
        console_services(suffix, jwks_url) as console_upstreams,
    ):
        await wait_until_ready(identity_url, timeout=60)
        await wait_until_ready(connectivity_url, timeout=60)
        gateway = create_gateway(
            GatewaySettings(
                jwks_url=jwks_url,
                upstream_identity=identity_url,
                upstream_connectivity=connectivity_url,
                **console_upstreams,
                web_dist_dir=str(DIST),
                rate_limit_enabled=False,
            )
        )
        async with (
            serve(gateway) as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=15) as api,
        ):
            yield Platform(url=gateway_url, api=api, ocpp_url=f"ws://127.0.0.1:{ocpp_port}")


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()


class Watched:
    """A page with its CSP violations and page errors collected."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(f"CSP: {text} at {message.location}")


@pytest.fixture
async def watched(browser: Browser, platform: Platform) -> AsyncIterator[Watched]:
    context = await browser.new_context(
        base_url=platform.url, viewport={"width": 1280, "height": 860}, locale="en-GB"
    )
    page = await context.new_page()
    page.set_default_timeout(20_000)
    watched = Watched(page)
    try:
        yield watched
    finally:
        await context.close()
    assert watched.problems == [], watched.problems


async def screenshot(page: Page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def assert_accessible(page: Page, what: str) -> None:
    """axe-core in the page (evaluated over the DevTools protocol, so the CSP stays strict):
    no serious or critical violations."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = await page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{what}: {serious}"


async def login(page: Page, email: str, password: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label(re.compile(r"^Password")).fill(password)
    await page.get_by_role("button", name="Log in").click()
