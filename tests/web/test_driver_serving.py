"""The gateway's part in the driver app and the guest pages: Stripe.js's origin in the CSP and
nothing more; a connector's QR address answering a browser with the app and an API client with
the offer; the service worker served beside the app."""

from __future__ import annotations

import re

from gateway.webapp import app_csp
from tests.web.conftest import Platform
from tests.web.services import STRIPE_PUBLISHABLE_KEY, STRIPE_URL


def test_csp_allows_stripe_js_origin_for_scripts_frames_and_its_api_only() -> None:
    plain = app_csp("n", tiles_url="")
    assert "frame-src 'none'" in plain and "connect-src 'self';" in plain
    real = app_csp(
        "n",
        tiles_url="",
        stripe_js_url="https://js.stripe.com/v3/",
        stripe_api_url="https://api.stripe.com",
    )
    assert "script-src 'self' https://js.stripe.com;" in real
    assert "frame-src https://js.stripe.com;" in real
    assert "connect-src 'self' https://api.stripe.com;" in real
    assert "unsafe" not in real
    local = app_csp("n", tiles_url="", stripe_js_url="http://127.0.0.1:8420/js.stripe.com/v3/")
    assert "script-src 'self' http://127.0.0.1:8420;" in local
    assert "connect-src 'self' http://127.0.0.1:8420;" in local


async def test_the_qr_address_is_a_page_for_browsers_and_json_for_api_clients(
    platform: Platform,
) -> None:
    api = platform.api
    page = await api.get("/c/NO-SUCH-CP/1", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and f'nonce="{nonce.group(1)}"' in page.text
    assert f"{STRIPE_URL}/js.stripe.com/v3/" in page.text  # the run-time config
    assert STRIPE_PUBLISHABLE_KEY in page.text
    assert f"script-src 'self' {STRIPE_URL};" in csp
    # An API client (no text/html) still gets payment's answer, a problem for an unknown charger.
    offer = await api.get("/c/NO-SUCH-CP/1", headers={"Accept": "application/json"})
    assert offer.headers["content-type"] == "application/problem+json"
    assert offer.status_code == 404
    # Only GET of the page-able prefix: the rest of the API is never the app.
    assert (await api.get("/v1/guest/session", headers={"Accept": "text/html"})).status_code in (
        401,
        422,
    )
    worker = await api.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["cache-control"] == "no-cache"
    assert "ladda-shell" in worker.text
