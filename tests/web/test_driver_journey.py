"""A driver on a phone registers, saves a card through Stripe's card field, finds a charger with
its price, books a connector, starts another from the app paying as you go (a hold), watches
the live session and stops it; then starts the booked one with the saved card (no card form),
stops it, and sees it paid by the card; the invoice appears and its receipt downloads. Then a ticket from that session,
statistics and the subscription page; the app's service worker registers. Every main page
passes axe's checks and is saved as a screenshot."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.helpers.stack import unique
from tests.web.charging import (
    admin_headers,
    charging_charger,
    fill_card,
    provision_priced_charger,
    stand_in_for_stripe_js_card_payment,
    wait_for_booking_to_know,
)
from tests.web.conftest import Platform, Watched, assert_accessible, screenshot

SLOW = 90_000  # Kafka hops on a loaded machine: payment, identity, connectivity, the charger


async def open_nav(page: Page, name: str) -> None:
    """The navigation is a drawer on a phone: open it with the menu button."""
    await page.get_by_role("button", name="Main navigation").click()
    await page.get_by_role("link", name=name, exact=True).click()


async def test_driver_pays_books_charges_from_the_app_and_gets_the_receipt(
    platform: Platform, watched: Watched
) -> None:
    page = watched.page
    await page.set_viewport_size({"width": 390, "height": 844})
    site = unique("Driver site")
    cp_id = unique("WEB-DRIVE").upper()
    password = await provision_priced_charger(platform, cp_id, site)
    admin = await admin_headers(platform)
    plan = await platform.api.post(
        "/v1/plans",
        json={"name": "Unlimited", "kind": "unlimited", "monthly_fee_minor": 49_900},
        headers=admin,
    )
    assert plan.status_code == 201, plan.text

    # Register.
    await page.goto("/register")
    await page.get_by_label("Email").fill(f"{unique('journey')}@example.com")
    await page.get_by_label(re.compile(r"^Password")).fill("correct horse battery staple")
    await page.get_by_role("button", name="Create account").click()
    await expect(page).to_have_url(re.compile(r"/app$"))

    # A card through the card field (Stripe.js: localstripe's stand-in here).
    await open_nav(page, "Payment methods")
    await expect(page.get_by_text("No card saved yet")).to_be_visible()
    await page.get_by_role("button", name="Add a card").click()
    await fill_card(page)
    await assert_accessible(page, "payment methods", exclude=".stripe-card")
    await page.get_by_role("button", name="Save card").click()
    await expect(page.get_by_test_id("method-4242")).to_contain_text("Default", timeout=SLOW)
    await screenshot(page, "driver-payment-methods")

    async with charging_charger(platform, cp_id, password) as charger:
        await wait_for_booking_to_know(platform, cp_id, admin)
        # Find the site, see the price per connector, book connector 2.
        await open_nav(page, "Chargers")
        await page.get_by_role("link", name=site).click()
        connector2 = page.get_by_test_id(f"connector-{cp_id}-2")
        await expect(page.get_by_test_id(f"price-{cp_id}-1")).to_contain_text("4.50")
        await expect(connector2).to_contain_text("Available")
        await assert_accessible(page, "site")
        await screenshot(page, "driver-site")
        await connector2.get_by_role("button", name="Book").click()
        await connector2.get_by_role("button", name="Book this connector").click()
        await expect(page.get_by_text("Booked.")).to_be_visible()
        await open_nav(page, "My bookings")
        await expect(page.get_by_test_id(f"booking-{cp_id}-2")).to_contain_text("confirmed")
        await assert_accessible(page, "bookings")
        await screenshot(page, "driver-bookings")

        # Start connector 1 from the app: a hold authorised in the card field.
        await page.go_back()
        await (
            page.get_by_test_id(f"connector-{cp_id}-1")
            .get_by_role("link", name="Start charging")
            .click()
        )
        await page.get_by_role("button", name="Pay and start").click()
        await stand_in_for_stripe_js_card_payment(page)
        await fill_card(page)
        await page.get_by_role("button", name=re.compile(r"^Reserve .* and start$")).click()
        await page.get_by_role("button", name="Complete authentication").click()
        await expect(page).to_have_url(re.compile(r"/app/holds/[0-9a-f-]+$"))
        try:
            await expect(page.get_by_test_id("hold-phase")).to_have_text("Charging", timeout=SLOW)
        except AssertionError:
            frames = await platform.api.get(f"/v1/charge-points/{cp_id}/frames", headers=admin)
            raise AssertionError(f"not charging; frames: {frames.text[:3000]}") from None
        await expect(page.get_by_test_id("hold-power")).to_have_text("11 kW", timeout=SLOW)
        await assert_accessible(page, "live session")
        await screenshot(page, "driver-live-session")
        await page.get_by_role("button", name="Stop charging").click()
        await expect(page.get_by_test_id("hold-phase")).to_have_text("Done and paid", timeout=SLOW)
        assert any(action == "RemoteStopTransaction" for action, _ in charger.received)

        # The booked connector 2, with the saved card: no card form, billed after the stop.
        await open_nav(page, "Chargers")
        await page.get_by_role("link", name=site).click()
        await (
            page.get_by_test_id(f"connector-{cp_id}-2")
            .get_by_role("link", name="Start charging")
            .click()
        )
        await expect(page.get_by_test_id("start-card")).to_have_text("Visa •••• 4242")
        await assert_accessible(page, "start charging")
        await screenshot(page, "driver-start-with-card")
        await page.get_by_role("button", name="Start charging").click()
        await expect(page).to_have_url(re.compile(r"/app/card-starts/[0-9a-f-]+$"))
        await expect(page.get_by_test_id("session-phase")).to_have_text("Charging", timeout=SLOW)
        await expect(page.get_by_test_id("stripe-card")).to_have_count(0)
        await page.get_by_role("button", name="Stop charging").click()
        await expect(page.get_by_test_id("session-phase")).to_have_text(
            "Done and paid", timeout=SLOW
        )
        starts = [kw for action, kw in charger.received if action == "RemoteStartTransaction"]
        assert [kw["connector_id"] for kw in starts] == [1, 2]

    # The invoice, and its receipt.
    await page.get_by_role("link", name="See the invoice").click()
    await expect(page.get_by_role("heading", name=re.compile(r"^Invoice "))).to_be_visible()
    await expect(page.get_by_test_id("invoice-total")).to_contain_text("SEK")
    await assert_accessible(page, "invoice")
    await screenshot(page, "driver-invoice")
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Download receipt (PDF)").click()
    pdf = await (await download_info.value).path()
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    await open_nav(page, "Invoices")
    await expect(page.get_by_role("link", name=re.compile(r"\S"))).not_to_have_count(0)
    await screenshot(page, "driver-invoices")

    # A question about that session, from the invoice.
    await page.go_back()
    await page.get_by_role("link", name="Ask about this").click()
    await expect(page.get_by_test_id("ticket-links")).to_contain_text(cp_id)
    await page.get_by_label("Subject").fill("Charged more than I expected?")
    await page.get_by_label("What happened?").fill("Could you explain the session fee?")
    await assert_accessible(page, "new ticket")
    await page.get_by_role("button", name="Send").click()
    await expect(page.get_by_role("heading", name="Charged more than I expected?")).to_be_visible()
    await page.get_by_label("Your reply").fill("It was on connector 1.")
    await page.get_by_role("button", name="Send").click()
    await expect(page.get_by_text("It was on connector 1.")).to_be_visible()
    await screenshot(page, "driver-support-ticket")

    # Statistics and the subscription page.
    await open_nav(page, "My statistics")
    await expect(page.get_by_test_id("stats-co2")).to_contain_text("kg")
    await assert_accessible(page, "statistics")
    await screenshot(page, "driver-statistics")
    await open_nav(page, "Subscription")
    await expect(page.get_by_role("article", name="Unlimited")).to_be_visible()
    await assert_accessible(page, "subscription")
    await screenshot(page, "driver-subscription")

    # Installable: the service worker registered and controls the app's scope.
    scope = await page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{platform.url}/"
