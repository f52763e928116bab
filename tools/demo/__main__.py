"""Seed the local demo through the gateway: a driver owning the simulator's RFID tag with a card
saved in the Stripe test server, and a network tariff, so simulated sessions are billed and paid.

    python -m tools.demo [--gateway URL] [--stripe URL]

Idempotent: an existing driver, token, card or tariff is kept. A card is kept only while the
driver's standing says it works: when the Stripe test server lost it (payment forgets a customer
Stripe no longer has) or a charge with it failed, a fresh card is saved, made the default, and
pays the open invoices, so the demo tag is accepted again. Everything goes through the
public REST API (and, for the card, through the Stripe test server the way Stripe.js would,
with a publishable key), never into a service's database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

DRIVER_EMAIL = "demo.driver@example.com"
DRIVER_PASSWORD = "ladda-demo-driver-local"
DEMO_TAG = "LADDA-DEMO-TAG"
DEMO_CHARGER = "LADDA-SIM-001"
TARIFF: dict[str, Any] = {
    "name": "Ladda standard (demo)",
    "elements": [
        {
            "price_components": [
                {"type": "ENERGY", "price_minor": 360},
                {"type": "PARKING_TIME", "price_minor": 600, "grace_period_s": 600},
            ],
            "restrictions": {"start_time": "06:00", "end_time": "22:00"},
        },
        {
            "price_components": [
                {"type": "ENERGY", "price_minor": 240},
                {"type": "PARKING_TIME", "price_minor": 600, "grace_period_s": 600},
            ]
        },
    ],
}


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


async def _login(http: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await http.post("/v1/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _driver(http: httpx.AsyncClient) -> dict[str, str]:
    created = await http.post(
        "/v1/auth/register", json={"email": DRIVER_EMAIL, "password": DRIVER_PASSWORD}
    )
    if created.status_code not in (201, 409):
        created.raise_for_status()
    return await _login(http, DRIVER_EMAIL, DRIVER_PASSWORD)


async def _tag(http: httpx.AsyncClient, driver: dict[str, str]) -> None:
    mine = await http.get("/v1/id-tokens", headers=driver)
    mine.raise_for_status()
    if any(token["uid"] == DEMO_TAG for token in mine.json()["items"]):
        return
    added = await http.post(
        "/v1/id-tokens",
        json={"kind": "rfid", "uid": DEMO_TAG, "label": "Demo card"},
        headers=driver,
    )
    if added.status_code == 409:
        say(
            f"{DEMO_TAG} belongs to another account; sessions will not be billed to the demo driver"
        )
        return
    added.raise_for_status()


async def _card(http: httpx.AsyncClient, driver: dict[str, str], stripe_url: str) -> str:
    """A card that works: the saved one while payment can still use it, else a fresh one that
    also pays what the lost one could not (so identity accepts the tag again)."""
    # Starting a SetupIntent has payment check the driver's customer with Stripe: a customer
    # the Stripe test server no longer has (its data wiped) is forgotten with its cards.
    intent = await http.post("/v1/payment-methods/setup-intents", headers=driver)
    intent.raise_for_status()
    setup = intent.json()
    standing = await http.get("/v1/payment-methods/standing", headers=driver)
    standing.raise_for_status()
    if standing.json()["has_payment_method"] and not standing.json()["has_overdue_invoice"]:
        return "kept"
    # What Stripe.js does in the app: confirm the SetupIntent with its client secret.
    async with httpx.AsyncClient(base_url=stripe_url, timeout=15) as stripe:
        confirmed = await stripe.post(
            f"/v1/setup_intents/{setup['setup_intent_id']}/confirm",
            data={
                "key": "pk_test_ladda_local",
                "client_secret": setup["client_secret"],
                "payment_method": "pm_card_visa",
            },
        )
        confirmed.raise_for_status()
    saved = await http.post(
        "/v1/payment-methods", json={"setup_intent_id": setup["setup_intent_id"]}, headers=driver
    )
    saved.raise_for_status()
    made_default = await http.post(
        f"/v1/payment-methods/{saved.json()['id']}/default", headers=driver
    )
    made_default.raise_for_status()
    unpaid = await http.get("/v1/invoices", params={"status": "open"}, headers=driver)
    unpaid.raise_for_status()
    for invoice in unpaid.json():
        paid = await http.post(f"/v1/invoices/{invoice['id']}/pay", headers=driver)
        if paid.status_code not in (200, 409):  # 409: paid meanwhile, or a payment under way
            paid.raise_for_status()
    return "saved"


async def _tariff(http: httpx.AsyncClient, admin: dict[str, str]) -> None:
    current = await http.get(f"/v1/tariffs/current/{DEMO_CHARGER}/1")
    if current.status_code == 200:
        return
    body = {**TARIFF, "valid_from": (datetime.now(UTC) - timedelta(days=1)).isoformat()}
    created = await http.post("/v1/tariffs", json=body, headers=admin)
    created.raise_for_status()


async def seed(gateway: str, stripe_url: str) -> None:
    admin_email = os.environ.get("LADDA_BOOTSTRAP_ADMIN_EMAIL")
    admin_password = os.environ.get("LADDA_BOOTSTRAP_ADMIN_PASSWORD")
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as http:
        driver = await _driver(http)
        await _tag(http, driver)
        card = await _card(http, driver, stripe_url)
        if admin_email and admin_password:
            await _tariff(http, await _login(http, admin_email, admin_password))
    say(
        f"driver {DRIVER_EMAIL} (password {DRIVER_PASSWORD}) owns {DEMO_TAG} and has a test card "
        f"({'a fresh one' if card == 'saved' else 'the saved one, still usable'}); "
        "simulated sessions are billed and paid (GET /v1/invoices as the driver)"
    )


async def seed_with_retries(gateway: str, stripe_url: str, timeout_s: float) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            await seed(gateway, stripe_url)
            return True
        except (httpx.HTTPError, KeyError) as exc:
            if asyncio.get_running_loop().time() > deadline:
                say(f"could not seed the demo: {exc!r}")
                return False
            await asyncio.sleep(2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__)
    port = os.environ.get("LADDA_GATEWAY_PORT", "8080")
    parser.add_argument("--gateway", default=f"http://127.0.0.1:{port}")
    parser.add_argument(
        "--stripe",
        default=os.environ.get("LADDA_PAYMENT_STRIPE_API_BASE", "http://127.0.0.1:8420"),
    )
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    if not asyncio.run(seed_with_retries(args.gateway, args.stripe, args.timeout)):
        sys.exit(1)


if __name__ == "__main__":
    main()
