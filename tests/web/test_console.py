"""An operator provisions a charger, approves it, sees it online once a simulated charger
connects, sends it a command and sees the answer; the pages pass axe's checks."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest
from ocpp.v16 import call
from playwright.async_api import expect
from websockets.exceptions import InvalidStatus

from tests.connectivity.clients import charger
from tests.helpers.stack import unique
from tests.web.conftest import ADMIN, Platform, Watched, assert_accessible, login, screenshot


def minutes_ago(minutes: float) -> str:
    at = datetime.now(UTC) - timedelta(minutes=minutes)
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")


async def create_operator(platform: Platform, role: str = "operator") -> dict[str, str]:
    token = (await platform.api.post("/v1/auth/login", json=ADMIN)).json()["access_token"]
    account = {"email": f"{unique(role)}@ladda.example", "password": f"{role}-password-1"}
    created = await platform.api.post(
        "/v1/users",
        json={**account, "roles": [role], "display_name": f"A {role}"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text
    return account


async def test_operator_provisions_approves_sees_online_and_commands_a_charger(
    platform: Platform, watched: Watched
) -> None:
    page = watched.page
    operator = await create_operator(platform)
    await login(page, operator["email"], operator["password"])
    await expect(page).to_have_url(re.compile(r"/console$"))
    await expect(page.get_by_role("heading", name="Network now")).to_be_visible()
    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#main")).to_be_focused()

    # Provision: the one-time password is shown once, in a dialog.
    cp_id = unique("WEB-CP").upper()
    await page.get_by_role("link", name="Chargers", exact=True).click()
    await page.get_by_role("link", name="Add charger").click()
    await page.get_by_label("Charger id").fill(cp_id)
    await page.get_by_label("Vendor").fill("Ladda")
    await page.get_by_label("Model").fill("Web-1")
    await page.get_by_label("Site").fill("Centralstationen")
    await page.get_by_label("Latitude").fill("59.3300")
    await page.get_by_label("Longitude").fill("18.0580")
    await assert_accessible(page, "provision form")
    await page.get_by_role("button", name="Add charger").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    password = (await dialog.get_by_test_id("one-time-password").inner_text()).strip()
    assert len(password) >= 16
    await screenshot(page, "console-provision-password")
    await dialog.get_by_role("button", name="I have stored it").click()

    # Approve.
    await expect(page).to_have_url(re.compile(rf"/console/chargers/{cp_id}$"))
    await expect(page.get_by_text("Waiting for approval").first).to_be_visible()
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_text("Approved", exact=True).first).to_be_visible()

    # Move it: the facts (and the maps) follow.
    await page.get_by_role("button", name="Edit location").click()
    editor = page.get_by_role("dialog")
    await editor.get_by_label("Site").fill("Centralstationen Norra")
    await editor.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Centralstationen Norra")).to_be_visible()

    # Replace the password (after confirming): the new one is shown once, the old one is gone.
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.get_by_role("button", name="Replace password").click()
    dialog = page.get_by_role("dialog")
    replaced = (await dialog.get_by_test_id("one-time-password").inner_text()).strip()
    assert replaced != password
    await dialog.get_by_role("button", name="I have stored it").click()
    await expect(page.get_by_test_id("one-time-password")).to_have_count(0)
    assert replaced not in await page.content()
    password = replaced

    async with charger(platform.ocpp_url, cp_id, password) as client:
        boot = await client.call(
            call.BootNotification(charge_point_vendor="Ladda", charge_point_model="Web-1")
        )
        assert boot.status == "Accepted"
        await client.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Available")
        )
        # Live by polling: the page shows the charger online and its connector's status.
        await expect(page.get_by_text("Online", exact=True).first).to_be_visible()
        await expect(page.get_by_test_id("connectors-table")).to_contain_text("Available")
        await expect(page.get_by_test_id("status-history")).to_contain_text("Available")

        # A command and its result.
        await page.get_by_role("tab", name="Commands").click()
        await expect(page.get_by_label("Command", exact=True)).to_have_value("TriggerMessage")
        await page.get_by_role("button", name="Send command").click()
        table = page.get_by_test_id("commands-table")
        await expect(table).to_contain_text("TriggerMessage")
        # The first command waits for the replica's Kafka consumer to join its group: allow
        # for the command's whole timeout (30 s) on a loaded machine.
        await expect(table).to_contain_text("Answered", timeout=45_000)
        await expect(table).to_contain_text('"status":"Accepted"')
        await assert_accessible(page, "charger commands")
        await screenshot(page, "console-charger-commands")

        # The frame log has the charger's BootNotification.
        await page.get_by_role("tab", name="Frame log").click()
        await expect(page.get_by_test_id("frames-table")).to_contain_text("BootNotification")

        # A session with meter values, for the sessions page and its chart.
        started = await client.call(
            call.StartTransaction(
                connector_id=1, id_tag="WEBTAG01", meter_start=0, timestamp=minutes_ago(4)
            )
        )
        for minutes, energy, power in (
            (3, 1200, 7000),
            (2, 2500, 7200),
            (1, 3900, 7100),
            (0, 5200, 6900),
        ):
            await client.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=started.transaction_id,
                    meter_value=[
                        {
                            "timestamp": minutes_ago(minutes),
                            "sampledValue": [
                                {
                                    "value": str(energy),
                                    "measurand": "Energy.Active.Import.Register",
                                    "unit": "Wh",
                                },
                                {
                                    "value": str(power),
                                    "measurand": "Power.Active.Import",
                                    "unit": "W",
                                },
                            ],
                        }
                    ],
                )
            )

        await page.get_by_role("link", name="Dashboard", exact=True).click()
        await expect(page.get_by_test_id("online-count")).not_to_have_text("0")
        await expect(page.locator(".leaflet-interactive").first).to_be_visible()
        await assert_accessible(page, "dashboard")
        await screenshot(page, "console-dashboard")

        await page.get_by_role("link", name="Chargers", exact=True).click()
        await expect(page.get_by_test_id(f"charger-row-{cp_id}")).to_contain_text("Online")
        await assert_accessible(page, "chargers list")
        await screenshot(page, "console-chargers")

    await page.get_by_role("link", name="Sessions", exact=True).click()
    sessions = page.get_by_test_id("sessions-table")
    await expect(sessions).to_contain_text(cp_id)
    await sessions.get_by_role("link").first.click()
    await expect(page.locator("canvas")).to_be_visible()
    await assert_accessible(page, "session detail")
    await screenshot(page, "console-session")

    # Retirement: refused at its next connection, for good.
    await page.goto(f"/console/chargers/{cp_id}")
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.get_by_role("button", name="Retire", exact=True).click()
    await expect(page.get_by_text("Retired", exact=True).first).to_be_visible()
    with pytest.raises(InvalidStatus) as refused:
        async with charger(platform.ocpp_url, cp_id, password):
            pass
    assert refused.value.response.status_code == 401


async def test_tokens_rotate_while_working_and_logout_clears_the_session(
    platform: Platform, watched: Watched
) -> None:
    page = watched.page
    refreshes: list[int] = []
    page.on(
        "response",
        lambda response: (
            refreshes.append(response.status) if response.url.endswith("/v1/auth/refresh") else None
        ),
    )
    operator = await create_operator(platform)
    await login(page, operator["email"], operator["password"])
    await expect(page).to_have_url(re.compile(r"/console$"))
    first = await page.evaluate("() => localStorage.getItem('ladda.refresh-token')")
    # The dashboard polls; with 40 s access tokens the app refreshes before they expire.
    await expect(page.get_by_test_id("online-count")).to_be_visible()
    deadline = asyncio.get_running_loop().time() + 40
    while not refreshes:
        assert asyncio.get_running_loop().time() < deadline, "the app never refreshed its token"
        await asyncio.sleep(0.5)
    assert set(refreshes) == {200}
    stored = await page.evaluate("() => localStorage.getItem('ladda.refresh-token')")
    assert stored and stored != first  # rotated
    # Still logged in and working after the rotations.
    await page.get_by_role("link", name="Chargers", exact=True).click()
    await expect(page.get_by_role("heading", name="Chargers")).to_be_visible()
    await page.get_by_role("button", name="Log out").click()
    await expect(page).to_have_url(re.compile(r"/login$"))
    assert await page.evaluate("() => localStorage.getItem('ladda.refresh-token')") is None
    # The refresh token was revoked on the server, not only forgotten by the browser.
    refused = await platform.api.post("/v1/auth/refresh", json={"refresh_token": stored})
    assert refused.status_code == 401
    await page.goto("/console/chargers")
    await expect(page).to_have_url(re.compile(r"/login\?next="))


async def test_support_sees_the_console_without_what_only_operators_may_do(
    platform: Platform, watched: Watched
) -> None:
    page = watched.page
    support = await create_operator(platform, role="support")
    await login(page, support["email"], support["password"])
    await expect(page).to_have_url(re.compile(r"/console$"))
    await page.get_by_role("link", name="Chargers", exact=True).click()
    await expect(page.get_by_role("heading", name="Chargers")).to_be_visible()
    assert await page.get_by_role("link", name="Add charger").count() == 0
    await page.goto("/console/chargers/new")
    await expect(page.get_by_role("heading", name="Not for your account")).to_be_visible()
    # The driver app is for drivers: a support agent is sent back to the console.
    await page.goto("/app/cards")
    await expect(page.get_by_role("heading", name="Not for your account")).to_be_visible()
    await page.get_by_role("link", name="Go to my start page").click()
    await expect(page).to_have_url(re.compile(r"/console$"))
    # Swedish, and the choice is remembered.
    await page.get_by_label("Language").select_option("sv")
    await expect(page.get_by_role("heading", name="Nätet just nu")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("heading", name="Nätet just nu")).to_be_visible()
    assert await page.evaluate("() => document.documentElement.lang") == "sv"
    await assert_accessible(page, "dashboard in Swedish")
