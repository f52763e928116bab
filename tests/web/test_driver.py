"""A driver registers, adds an RFID card and blocks it; operator pages stay closed to them,
also when typed into the address bar; the pages pass axe's checks."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.helpers.stack import unique
from tests.web.conftest import Platform, Watched, assert_accessible, screenshot


async def test_driver_registers_and_manages_a_card(platform: Platform, watched: Watched) -> None:
    page = watched.page
    await page.set_viewport_size({"width": 390, "height": 844})  # a phone
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/login$"))
    await assert_accessible(page, "login")
    await page.get_by_role("link", name="Create account").click()
    await page.get_by_label("Email").fill(f"{unique('driver')}@example.com")
    await page.get_by_label("Name (optional)").fill("Dana Driver")
    await page.get_by_label(re.compile(r"^Password")).fill("correct horse battery staple")
    await assert_accessible(page, "register")
    await page.get_by_role("button", name="Create account").click()
    await expect(page).to_have_url(re.compile(r"/app$"))
    await expect(page.get_by_role("heading", name="Chargers")).to_be_visible()
    await assert_accessible(page, "find chargers")

    # The navigation is a drawer on a phone: open it with the menu button.
    await page.get_by_role("button", name="Main navigation").click()
    await page.get_by_role("link", name="My cards").click()
    uid = unique("C")[-8:].upper()
    await page.get_by_label("Card UID").fill(uid)
    await page.get_by_label("Name for the card").fill("Blue tag")
    await page.get_by_role("button", name="Add a card").click()
    row = page.get_by_test_id(f"token-{uid}")
    await expect(row).to_contain_text("Blue tag")
    await expect(row).to_contain_text("Active")
    # No payment method yet: chargers would refuse the card, and the page says why.
    await expect(row).to_contain_text("add a payment method")
    await assert_accessible(page, "my cards")
    await screenshot(page, "driver-cards")
    await row.get_by_role("button", name=re.compile("^Block")).click()
    await expect(row).to_contain_text("Blocked")

    # Operator pages: not in the navigation, and closed when typed as a URL.
    assert await page.get_by_role("link", name="Dashboard").count() == 0
    for path in ("/console", "/console/chargers", "/console/chargers/new", "/console/drivers"):
        await page.goto(path)
        await expect(page.get_by_role("heading", name="Not for your account")).to_be_visible()
        await expect(page.get_by_test_id("online-count")).to_have_count(0)
    await screenshot(page, "driver-forbidden")
    # And the API refuses them too (the page is not the only lock).
    token = await page.evaluate("() => localStorage.getItem('ladda.refresh-token')")
    pair = (await platform.api.post("/v1/auth/refresh", json={"refresh_token": token})).json()
    listed = await platform.api.get(
        "/v1/charge-points", headers={"Authorization": f"Bearer {pair['access_token']}"}
    )
    assert listed.status_code == 403


async def test_the_gateway_serves_the_app_beside_the_api(platform: Platform) -> None:
    api = platform.api
    page = await api.get("/console/chargers/CP.1")  # a client route, even with a dot
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-cache"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and f'nonce="{nonce.group(1)}"' in page.text
    again = await api.get("/console")
    assert nonce.group(1) not in again.headers["content-security-policy"]  # fresh per page
    asset = re.search(r'src="(/assets/[^"]+\.js)"', page.text)
    assert asset
    cached = await api.get(asset.group(1))
    assert cached.status_code == 200
    assert cached.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await api.get("/assets/missing.js")).status_code == 404
    # No way out of the build folder.
    assert (await api.get("/assets/%2e%2e/%2e%2e/pyproject.toml")).status_code == 404
    assert "[project]" not in (await api.get("/%2e%2e/%2e%2e/pyproject.toml")).text
    manifest = await api.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.json()["start_url"] == "/app"
    # The API's own paths are never the app's page.
    for path in ("/v1/nothing", "/v1", "/.well-known/nothing", "/docs/nothing", "/healthz/x"):
        answer = await api.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json", path
    assert (await api.get("/openapi.json")).json()["openapi"].startswith("3.")
    assert (await api.get("/v1/charge-points")).status_code == 401
    assert "swagger-ui" in (await api.get("/docs")).text
