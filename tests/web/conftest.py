"""Browser tests of the web app: identity, connectivity and the gateway serving `web/dist`, in
this process on free ports (real PostgreSQL and Kafka), driven by Debian's Chromium through
Playwright. Playwright's own browser download is never used (`executable_path`)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from pydantic import SecretStr

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from services.connectivity.app import create_app as create_connectivity
from services.connectivity.settings import Settings as ConnectivitySettings
from services.identity.app import create_app as create_identity
from services.identity.settings import Settings as IdentitySettings
from tests.e2e.platform import _SessionsBridge
from tests.helpers.stack import ROOT, free_port, fresh_database, serve, unique, wait_until_ready
from tests.web.services import STRIPE_PUBLISHABLE_KEY, STRIPE_URL, more_services

DIST = ROOT / "web" / "dist"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("LADDA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("LADDA_WEB_ARTIFACTS", ROOT / ".local" / "artifacts" / "web"))
# Pages poll every 5-10 s: give them time to show what changed.
expect.set_options(timeout=20_000)
ARTIFACTS.mkdir(parents=True, exist_ok=True)
ACCESS_TTL_S = 40
LOOKBACK = "LADDA_KAFKA_NEW_GROUP_LOOKBACK_S"
ADMIN = {"email": "web-admin@ladda.local", "password": "web-admin-password-1"}


@dataclass
class Platform:
    url: str  # the gateway: API and web app
    api: httpx.AsyncClient
    ocpp_url: str
    payment_url: str = ""


@contextlib.contextmanager
def recent_events_only(seconds: str = "15") -> Iterator[None]:
    """The platform's consumer groups are new: they read the shared topics from a few seconds
    before they start (every event of these tests comes later), not the last minutes of every
    other test and benchmark on the machine (`LADDA_KAFKA_NEW_GROUP_LOOKBACK_S`, read when a
    consumer is created)."""
    before = os.environ.get(LOOKBACK)
    os.environ[LOOKBACK] = seconds
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(LOOKBACK, None)
        else:
            os.environ[LOOKBACK] = before


@pytest.fixture(scope="package")
async def platform() -> AsyncIterator[Platform]:
    assert (DIST / "index.html").is_file(), "web/dist is missing: run `make web` first"
    suffix = unique(".web")
    identity_port = free_port()
    jwks_url = f"http://127.0.0.1:{identity_port}/.well-known/jwks.json"
    identity = create_identity(
        IdentitySettings(
            # The driver app and guest pages start charging through holds: this identity
            # decides them (tests/conftest.py turns that off for the other test platforms).
            decide_hold_tokens=True,
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
    async with contextlib.AsyncExitStack() as started:
        with recent_events_only():
            identity_url = await started.enter_async_context(serve(identity, port=identity_port))
            connectivity_url = await started.enter_async_context(serve(connectivity))
            # Payment bills only this platform's chargers (all named WEB-…), from a sessions
            # topic of its own: on the shared one it would bill other test runs' sessions and
            # publish their drivers as owing, where those runs' identities would block them.
            bridge = await started.enter_async_context(_SessionsBridge("WEB-"))
            upstreams = await started.enter_async_context(
                more_services(suffix, jwks_url, bridge.topic)
            )
        await wait_until_ready(identity_url, timeout=60)
        await wait_until_ready(connectivity_url, timeout=60)
        gateway = create_gateway(
            GatewaySettings(
                jwks_url=jwks_url,
                upstream_identity=identity_url,
                upstream_connectivity=connectivity_url,
                upstream_payment=upstreams["payment"],
                upstream_booking=upstreams["booking"],
                upstream_support=upstreams["support"],
                upstream_analytics=upstreams["analytics"],
                upstream_operations=upstreams["operations"],
                web_dist_dir=str(DIST),
                web_stripe_publishable_key=STRIPE_PUBLISHABLE_KEY,
                web_stripe_js_url=f"{STRIPE_URL}/js.stripe.com/v3/",
                web_stripe_api_url=STRIPE_URL,
                rate_limit_enabled=False,
            )
        )
        async with (
            serve(gateway) as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=15) as api,
        ):
            yield Platform(
                url=gateway_url,
                api=api,
                ocpp_url=f"ws://127.0.0.1:{ocpp_port}",
                payment_url=upstreams["payment"],
            )


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


async def assert_accessible(page: Page, what: str, exclude: str = "") -> None:
    """axe-core in the page (evaluated over the DevTools protocol, so the CSP stays strict):
    no serious or critical violations (`exclude`: a CSS selector of third-party content)."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    # A dialog or notice still fading in or out is half transparent: axe would judge the colour
    # contrast of that moment. Check the page once its transitions have ended (spinners, which
    # never end, excepted).
    await page.wait_for_function(
        """() => document.getAnimations().every(a => a.playState !== 'running'
                || a.effect?.getTiming().iterations === Infinity)""",
        timeout=10_000,
    )
    result = await page.evaluate(
        """async (exclude) => {
            const context = exclude ? {exclude: [exclude]} : document;
            const r = await window.axe.run(context, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""",
        exclude,
    )
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{what}: {serious}"


async def login(page: Page, email: str, password: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label(re.compile(r"^Password")).fill(password)
    await page.get_by_role("button", name="Log in").click()
