"""The console's checklist templates and security equipment in the browser: an operator writes a
checklist template with two items (a validation error shown by its field on the way, the items
reordered), adds a camera to a station from the charger's page, inspects the station with the
new checklist (which sets the camera's test date), and retires the template."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.web.conftest import Platform, Watched, assert_accessible, login, screenshot
from tests.web.test_console import create_operator
from tests.web.test_console_operations import open_nav, provisioned_charger


async def test_operator_writes_a_checklist_adds_a_camera_and_inspects_with_both(
    platform: Platform, watched: Watched
) -> None:
    page = watched.page
    cp_id, _ = await provisioned_charger(platform)
    operator = await create_operator(platform)
    await login(page, operator["email"], operator["password"])
    await expect(page).to_have_url(re.compile(r"/console$"))

    # A new checklist template with two items.
    await open_nav(page, "Checklists")
    await expect(page.get_by_role("row").filter(has_text="Monthly safety walk")).to_contain_text(
        "Shipped with Ladda"
    )
    await page.get_by_role("link", name="New checklist template").click()
    name = f"Night walk {unique('t')}"
    await page.get_by_role("textbox", name=re.compile(r"^Name")).fill(name)
    items = page.get_by_test_id("checklist-item")
    first = items.nth(0)
    await first.get_by_role("textbox", name=re.compile(r"^What to check")).fill(
        "Lights switch on at dusk"
    )
    await first.get_by_label("Tests equipment").select_option(label="Security lighting")
    await page.get_by_role("button", name="Add an item").click()
    await page.get_by_role("button", name="Add an item").click()
    second = items.nth(1)
    await second.get_by_role("textbox", name=re.compile(r"^What to check")).fill(
        "Camera view unobstructed"
    )
    await second.get_by_label("Tests equipment").select_option(label="Surveillance camera")
    await second.get_by_role("switch", name=re.compile("^A failure takes the charger")).check()
    # The third item has no text: the error is shown by its field, and nothing is saved.
    await page.get_by_role("button", name="Save checklist").click()
    await expect(items.nth(2)).to_contain_text("Required.")
    await expect(page).to_have_url(re.compile(r"/console/checklists/new$"))
    await assert_accessible(page, "checklist editor")
    await page.get_by_role("button", name="Remove item 3").click()
    await page.get_by_role("button", name="Move item 2 up").click()
    await expect(items).to_have_count(2)
    await expect(items.nth(0).get_by_role("textbox", name=re.compile(r"^Item key"))).to_have_value(
        "camera_view_unobstructed"
    )
    await screenshot(page, "console-checklist-editor")
    await page.get_by_role("button", name="Save checklist").click()
    await expect(page).to_have_url(re.compile(r"/console/checklists/[0-9a-f-]{36}$"))
    await expect(page.get_by_role("heading", name=name)).to_be_visible()
    template_url = page.url
    await open_nav(page, "Checklists")
    await expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("In service")
    await assert_accessible(page, "checklist templates")

    # A camera for the station, from the charger's page.
    await page.goto(f"/console/chargers/{cp_id}")
    await page.get_by_role("tab", name="Security equipment").click()
    await page.get_by_role("button", name="Add equipment").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Kind").select_option(label="Surveillance camera")
    await dialog.get_by_role("textbox", name=re.compile(r"^Label")).fill("North camera")
    await assert_accessible(page, "equipment form")
    await dialog.get_by_role("button", name="Save").click()
    camera = page.get_by_role("row").filter(has_text="North camera")
    await expect(camera).to_contain_text("Working")
    tested = camera.get_by_role("cell").nth(3)
    await expect(tested).to_have_text("\u2013")  # never tested yet
    await assert_accessible(page, "charger's security equipment")
    await screenshot(page, "console-charger-equipment")

    # An inspection with the new checklist: its items, in their order. Operations must have
    # heard of the charger first (the public safety read answers 404 until then).
    async def station_known() -> bool:
        return (await platform.api.get(f"/v1/station-safety/{cp_id}")).status_code == 200

    await eventually(station_known, timeout=60)
    await open_nav(page, "Inspections and plans")
    await page.get_by_label("Checklist").select_option(label=name)
    await page.get_by_role("textbox", name=re.compile(r"^Charger")).fill(cp_id)
    await page.get_by_role("button", name="Start", exact=True).click()
    await expect(page.get_by_role("heading", name=f"{name} · {cp_id}")).to_be_visible()
    checklist = page.get_by_role("group")
    await expect(checklist).to_have_count(2)
    await expect(checklist.nth(0)).to_contain_text("Camera view unobstructed")
    await expect(checklist.nth(1)).to_contain_text("Lights switch on at dusk")
    for index in range(2):
        await checklist.nth(index).get_by_text("Pass", exact=True).click()
    await page.get_by_role("button", name="Complete the inspection").click()
    await expect(page.get_by_text("Completed", exact=True).first).to_be_visible()

    # The inspection tested the camera.
    await page.goto(f"/console/chargers/{cp_id}")
    await page.get_by_role("tab", name="Security equipment").click()
    await expect(tested).to_have_text(re.compile(r"\d"))

    # The template retires (no plan uses it), and is offered for nothing new.
    await page.goto(template_url)
    page.once("dialog", lambda confirm: asyncio.ensure_future(confirm.accept()))
    await page.get_by_role("button", name="Retire").click()
    await expect(page.get_by_text("Retired", exact=True).first).to_be_visible()
    await open_nav(page, "Inspections and plans")
    await expect(page.get_by_label("Checklist").locator("option", has_text=name)).to_have_count(0)
