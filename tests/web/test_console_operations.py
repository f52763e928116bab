"""The console's operations and support areas in the browser: an operator acknowledges and
resolves a charger's alert, closes the work order it opened and fills in an inspection on a
tablet; a support agent answers a driver's ticket with a reply and an internal note the driver
never sees; each role sees only its menus, and typed URLs of the others are refused."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ocpp.v16 import call
from playwright.async_api import Page, expect

from tests.connectivity.clients import charger
from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.web.conftest import ADMIN, Platform, Watched, assert_accessible, login, screenshot
from tests.web.test_console import create_operator


async def bearer(platform: Platform, email: str, password: str) -> dict[str, str]:
    answer = await platform.api.post("/v1/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def provisioned_charger(platform: Platform) -> tuple[str, str]:
    admin = await bearer(platform, ADMIN["email"], ADMIN["password"])
    cp_id = unique("WEB-OPS").upper()
    created = await platform.api.post(
        "/v1/charge-points",
        json={
            "id": cp_id,
            "vendor": "Ladda",
            "model": "Web-2",
            "connectors": 2,
            "location": {"site_name": "Hamnen", "latitude": 59.31, "longitude": 18.07},
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    approved = await platform.api.post(f"/v1/charge-points/{cp_id}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    return cp_id, created.json()["password"]


async def open_nav(page: Page, name: str) -> None:
    await (
        page.get_by_role("navigation", name="Main navigation")
        .get_by_role("link", name=name, exact=True)
        .click()
    )


async def test_operator_handles_an_alert_closes_its_work_order_and_inspects_on_a_tablet(
    platform: Platform, watched: Watched
) -> None:
    page = watched.page
    cp_id, password = await provisioned_charger(platform)
    operator = await create_operator(platform)
    await login(page, operator["email"], operator["password"])
    await expect(page).to_have_url(re.compile(r"/console$"))

    async with charger(platform.ocpp_url, cp_id, password) as client:
        boot = await client.call(
            call.BootNotification(charge_point_vendor="Ladda", charge_point_model="Web-2")
        )
        assert boot.status == "Accepted"
        # A hazard: the connector's alert is high and opens a work order.
        await client.call(
            call.StatusNotification(connector_id=1, error_code="GroundFailure", status="Faulted")
        )
        await expect(page.get_by_test_id("alerts-high")).to_have_text(
            re.compile(r"^[1-9]"), timeout=60_000
        )

        await open_nav(page, "Alerts")
        row = page.get_by_role("row").filter(has_text=cp_id)
        # Other test runs share the topics: the count may be another charger's alert first.
        await expect(row).to_contain_text("Open", timeout=60_000)
        await assert_accessible(page, "alerts")
        await screenshot(page, "console-alerts")
        await row.get_by_role("button", name="Acknowledge").click()
        dialog = page.get_by_role("dialog")
        await dialog.get_by_label("Note (optional)").fill("Electrician on the way")
        await dialog.get_by_role("button", name="Acknowledge").click()
        await expect(row).to_contain_text("Acknowledged")
        await expect(row).to_contain_text("Electrician on the way")
        await row.get_by_role("button", name="Resolve").click()
        await page.get_by_role("dialog").get_by_label("Note (optional)").fill("RCD replaced")
        await page.get_by_role("dialog").get_by_role("button", name="Resolve").click()
        # Resolved alerts leave the default view (open or acknowledged)...
        await expect(row).to_have_count(0)
        await page.get_by_label("Status").select_option("resolved")
        await expect(row).to_contain_text("RCD replaced")
        # The charger's page leads to its alerts, whatever their status.
        await page.goto(f"/console/chargers/{cp_id}")
        await page.get_by_role("link", name="Alerts of this charger").click()
        await expect(page.get_by_role("heading", name=f"Alerts of {cp_id}")).to_be_visible()
        await expect(row).to_contain_text("Resolved")

    # ... but the work order stays open until whoever did the work closes it.
    await open_nav(page, "Work orders")
    order = page.get_by_role("row").filter(has_text=cp_id)
    await expect(order).to_contain_text("alert")
    await order.get_by_role("link").click()
    await expect(page.get_by_text("Open", exact=True).first).to_be_visible()
    await page.get_by_label("Add a note").fill("Tested after the repair: OK")
    await page.get_by_role("button", name="Save note").click()
    await expect(page.get_by_text("Tested after the repair: OK")).to_be_visible()
    await assert_accessible(page, "work order")
    await screenshot(page, "console-work-order")
    await page.get_by_role("button", name="Close as done").click()
    await expect(page.get_by_text("Done", exact=True).first).to_be_visible()
    await expect(page.get_by_role("button", name="Close as done")).to_have_count(0)

    # An inspection, filled in on a tablet.
    await page.set_viewport_size({"width": 820, "height": 1180})
    await open_nav(page, "Inspections and plans")
    await page.get_by_role("textbox", name=re.compile(r"^Charger")).fill(cp_id)
    await page.get_by_role("button", name="Start", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/console/inspections/[^/]+$"))
    items = page.get_by_role("group")
    await expect(items.first).to_contain_text(re.compile(r"\w"))
    count = await items.count()
    assert count >= 2
    for index in range(count):
        await items.nth(index).get_by_text("Pass", exact=True).click()
    await assert_accessible(page, "inspection checklist")
    await screenshot(page, "console-inspection-tablet")
    await page.get_by_role("button", name="Complete the inspection").click()
    await expect(page.get_by_text("Completed", exact=True).first).to_be_visible()


async def test_support_answers_a_drivers_ticket_with_a_note_the_driver_never_sees(
    platform: Platform, watched: Watched
) -> None:
    page = watched.page
    account = {"email": f"{unique('driver')}@ladda.example", "password": "driver-password-1"}
    registered = await platform.api.post("/v1/auth/register", json=account)
    assert registered.status_code == 201, registered.text
    driver = await bearer(platform, account["email"], account["password"])
    subject = f"Cable stuck {unique('t')}"
    opened = await platform.api.post(
        "/v1/support/tickets",
        json={
            "category": "charging_problem",
            "subject": subject,
            "description": "The cable does not come out after charging.",
        },
        headers=driver,
    )
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["id"]

    agent = await create_operator(platform, role="support")
    await login(page, agent["email"], agent["password"])
    await expect(page).to_have_url(re.compile(r"/console$"))
    # Support's menu: no operations areas, no network statistics.
    nav = page.get_by_role("navigation", name="Main navigation")
    await expect(nav.get_by_role("link", name="Support", exact=True)).to_be_visible()
    await expect(nav.get_by_role("link", name="Work orders")).to_have_count(0)
    await expect(nav.get_by_role("link", name="Statistics")).to_have_count(0)

    await open_nav(page, "Support")
    await page.get_by_label("Search tickets and messages").fill(subject)
    await page.get_by_role("link", name=subject).click()
    await expect(page.get_by_role("heading", name=subject)).to_be_visible()
    await page.get_by_label("Reply (the driver sees it)").fill("Press Stop in the app, then pull.")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.get_by_test_id("public-message")).to_contain_text("Press Stop")
    await page.get_by_text("Internal note", exact=True).first.click()
    await page.get_by_label("Internal note (staff only)").fill("Known latch issue on this model")
    await page.get_by_role("button", name="Save note").click()
    await expect(page.get_by_test_id("internal-note")).to_contain_text("Known latch issue")
    await assert_accessible(page, "support ticket")
    await screenshot(page, "console-support-ticket")

    # The driver sees the reply, never the note.
    seen = await platform.api.get(f"/v1/support/tickets/{ticket_id}", headers=driver)
    assert seen.status_code == 200, seen.text
    assert "Press Stop in the app" in seen.text
    assert "latch" not in seen.text

    await open_nav(page, "Support")
    await assert_accessible(page, "support queue")
    await screenshot(page, "console-support-queue")
    # Typed URLs of operator-only areas are refused, not mounted.
    for path in ("/console/work-orders", "/console/statistics", "/console/tariffs/new"):
        await page.goto(path)
        await expect(page.get_by_role("heading", name="Not for your account")).to_be_visible()


async def test_a_driver_reaches_no_console_page_by_typed_url(
    platform: Platform, watched: Watched
) -> None:
    page = watched.page
    account = {"email": f"{unique('driver')}@ladda.example", "password": "driver-password-1"}
    registered = await platform.api.post("/v1/auth/register", json=account)
    assert registered.status_code == 201, registered.text
    await login(page, account["email"], account["password"])
    await expect(page).to_have_url(re.compile(r"/app"))
    called: list[str] = []
    page.on("request", lambda r: called.append(r.url) if "/v1/" in r.url else None)
    for path in ("/console/alerts", "/console/support", "/console/invoices", "/console/statistics"):
        await page.goto(path)
        await expect(page.get_by_role("heading", name="Not for your account")).to_be_visible()
    # None of the console's API calls were made (only the app's own: the user, token refresh).
    assert not [url for url in called if re.search(r"/v1/(alerts|support|invoices|stats)", url)]


async def test_operator_prices_blocks_a_connector_and_reads_the_figures(
    platform: Platform, watched: Watched
) -> None:
    page = watched.page
    cp_id, _ = await provisioned_charger(platform)
    operator = await create_operator(platform)
    token = await bearer(platform, operator["email"], operator["password"])

    async def booking_knows_the_charger() -> bool:
        answer = await platform.api.get(
            "/v1/availability", params={"charge_point_id": cp_id}, headers=token
        )
        return answer.status_code == 200 and bool(answer.json()["charge_points"])

    await eventually(booking_knows_the_charger, timeout=60)
    await login(page, operator["email"], operator["password"])
    await expect(page).to_have_url(re.compile(r"/console$"))

    # A tariff, previewed before it is saved (the payment README's worked example).
    await open_nav(page, "Tariffs and plans")
    await page.get_by_role("link", name="New tariff").click()
    name = f"Hamnen {unique('tariff')}"
    await page.get_by_role("textbox", name=re.compile(r"^Name")).fill(name)
    await page.get_by_label("Per kWh").fill("3,60")
    await page.get_by_label("Per session").fill("10")
    await expect(page.get_by_test_id("preview-total")).to_contain_text("102.50")
    await assert_accessible(page, "tariff editor")
    await screenshot(page, "console-tariff-editor")
    await page.get_by_role("button", name="Save tariff").click()
    await expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("3.60")

    await open_nav(page, "Invoices")
    await expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
    await assert_accessible(page, "invoices")

    # Block a connector tomorrow 10-12 and find it on the charger's day.
    tomorrow = (datetime.now() + timedelta(days=1)).date().isoformat()
    await open_nav(page, "Bookings")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Block", exact=True))
    await form.get_by_role("textbox", name=re.compile(r"^Charger")).fill(cp_id)
    await form.get_by_label(re.compile(r"^From")).fill(f"{tomorrow}T10:00")
    await form.get_by_label(re.compile(r"^To")).fill(f"{tomorrow}T12:00")
    await form.get_by_label("Note").fill("Line painting")
    await form.get_by_role("button", name="Block", exact=True).click()
    await expect(page.get_by_text("Connector blocked.")).to_be_visible()
    await page.get_by_role("button", name="Charger", exact=True).click()
    search = page.locator("form").filter(has=page.get_by_role("button", name="Show"))
    await search.get_by_role("textbox", name=re.compile(r"^Charger")).fill(cp_id)
    await search.get_by_label(re.compile(r"^Day")).fill(tomorrow)
    await search.get_by_role("button", name="Show").click()
    await expect(
        page.get_by_role("listitem", name=re.compile("Blocked.*Line painting"))
    ).to_be_visible()
    await assert_accessible(page, "bookings")
    await screenshot(page, "console-bookings")

    await open_nav(page, "Statistics")
    await expect(page.get_by_test_id("stats-sessions")).to_be_visible()
    await expect(page.locator("canvas")).to_be_visible()
    async with page.expect_download() as download:
        await page.get_by_role("button", name="CSV: network").click()
    assert (await download.value).suggested_filename.startswith("network-")
    await assert_accessible(page, "statistics")
    await screenshot(page, "console-statistics")
