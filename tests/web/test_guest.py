"""A guest with no account scans a connector's QR code on a phone: sees the price, pays a hold
in Stripe's card field, the simulated charger charges, the guest stops it and downloads the
receipt; the pages pass axe's checks."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.helpers.stack import unique
from tests.web.charging import (
    charging_charger,
    fill_card,
    provision_priced_charger,
    stand_in_for_stripe_js_card_payment,
)
from tests.web.conftest import Platform, Watched, assert_accessible, screenshot

SLOW = 90_000  # Kafka hops on a loaded machine: payment, identity, connectivity, the charger


async def test_guest_scans_pays_charges_stops_and_downloads_the_receipt(
    platform: Platform, browser: Browser
) -> None:
    cp_id = unique("WEB-GUEST").upper()
    password = await provision_priced_charger(platform, cp_id, unique("Guest site"))
    context = await browser.new_context(
        base_url=platform.url,
        viewport={"width": 390, "height": 844},
        locale="en-GB",
        accept_downloads=True,
    )
    page = await context.new_page()
    watched = Watched(page)
    try:
        async with charging_charger(platform, cp_id, password) as charger:
            await page.goto(f"/c/{cp_id}/1")  # the printed QR code's address
            await expect(page.get_by_test_id("guest-price")).to_contain_text("4.50")  # 3.60 + VAT
            await assert_accessible(page, "guest offer")
            await screenshot(page, "guest-offer")
            await page.get_by_role("button", name="Pay by card and charge").click()
            await expect(page).to_have_url(re.compile(r"/guest#[\w-]+\.[\w-]+$"))
            await expect(page.get_by_test_id("guest-phase")).to_have_text("Waiting for payment")
            await assert_accessible(page, "guest payment", exclude=".stripe-card")
            await stand_in_for_stripe_js_card_payment(page)
            await fill_card(page)
            await page.get_by_role("button", name=re.compile(r"^Reserve .* and start$")).click()
            await page.get_by_role("button", name="Complete authentication").click()

            await expect(page.get_by_test_id("guest-phase")).to_have_text("Charging", timeout=SLOW)
            assert any(action == "RemoteStartTransaction" for action, _ in charger.received)
            await expect(page.get_by_test_id("guest-energy")).not_to_have_text(
                "\u2013", timeout=SLOW
            )
            await assert_accessible(page, "guest session")
            await screenshot(page, "guest-session")
            await page.get_by_role("button", name="Stop charging").click()

            receipt = page.get_by_role("button", name="Download receipt (PDF)")
            await expect(receipt).to_be_visible(timeout=SLOW)
            await expect(page.get_by_test_id("guest-phase")).to_have_text("Done and paid")
            async with page.expect_download() as download_info:
                await receipt.click()
            download = await download_info.value
            assert download.suggested_filename.endswith(".pdf")
            pdf = await download.path()
            assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
            await screenshot(page, "guest-receipt")
    finally:
        await context.close()
    assert watched.problems == [], watched.problems
