"""What the chaos run drives: chargers (a seed file), drivers with cards and tags, bookings.

Drivers, tags, cards, the tariff and the bookings go through the gateway's public API (and the
card through localstripe the way Stripe.js does), never into a service's database.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "chaos-driver-password-1"
TARIFF: dict[str, Any] = {
    "name": "Chaos tariff",
    "elements": [
        {
            "price_components": [
                {"type": "ENERGY", "price_minor": 350},
                {"type": "FLAT", "price_minor": 500},
            ]
        }
    ],
}


@dataclass(frozen=True)
class Charger:
    id: str
    password: str
    ocpp_version: str
    group: int  # the driver whose card it charges with
    replica: int  # the connectivity replica it connects to

    @property
    def tag(self) -> str:
        """The RFID card this charger's cars charge with (one card charges one car at a time)."""
        return f"CHAOS-TAG-{self.id.rsplit('-', 1)[-1]}"


@dataclass
class Driver:
    group: int
    email: str
    tags: list[str]
    user_id: str = ""
    headers: dict[str, str] | None = None


def chargers(count: int, groups: int) -> list[Charger]:
    """1.6 and 2.0.1 chargers in turn, dealt to the driver groups; groups alternate replicas."""
    return [
        Charger(
            id=f"CHAOS-CP-{i:03d}",
            password=f"chaos-cp-{i:03d}-password",
            ocpp_version="1.6" if i % 2 == 0 else "2.0.1",
            group=i % groups,
            replica=i % 2,
        )
        for i in range(count)
    ]


def write_seed(path: Path, fleet: list[Charger]) -> None:
    document = {
        "charge_points": [
            {
                "id": cp.id,
                "password": cp.password,
                "ocpp_version": cp.ocpp_version,
                "vendor": "Ladda",
                "model": "Chaos",
                "connectors": 2,
                "location": {
                    "site_name": f"Chaos site {cp.group}",
                    "address": "Drottninggatan 1, Stockholm",
                    "latitude": 59.3326,
                    "longitude": 18.0649,
                },
            }
            for cp in fleet
        ]
    }
    path.write_text(json.dumps(document, indent=1))


async def _login(api: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    answer = await api.post("/v1/auth/login", json={"email": email, "password": password})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def _save_card(api: httpx.AsyncClient, stripe_base: str, headers: dict[str, str]) -> None:
    intent = await api.post("/v1/payment-methods/setup-intents", headers=headers)
    intent.raise_for_status()
    setup = intent.json()
    async with httpx.AsyncClient(base_url=stripe_base, timeout=30) as stripe_js:
        confirmed = await stripe_js.post(
            f"/v1/setup_intents/{setup['setup_intent_id']}/confirm",
            data={
                "key": "pk_test_ladda_local",
                "client_secret": setup["client_secret"],
                "payment_method": "pm_card_visa",
            },
        )
        confirmed.raise_for_status()
    saved = await api.post(
        "/v1/payment-methods", json={"setup_intent_id": setup["setup_intent_id"]}, headers=headers
    )
    saved.raise_for_status()


async def seed_drivers(
    api: httpx.AsyncClient, stripe_base: str, admin: tuple[str, str], fleet: list[Charger]
) -> list[Driver]:
    """A tariff, and per group a paying driver with a bank card and the RFID cards of their
    chargers, all accepted."""
    staff = await _login(api, *admin)
    valid_from = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    tariff = await api.post("/v1/tariffs", json={**TARIFF, "valid_from": valid_from}, headers=staff)
    tariff.raise_for_status()
    drivers = []
    for group in sorted({cp.group for cp in fleet}):
        tags = [cp.tag for cp in fleet if cp.group == group]
        driver = Driver(group, f"chaos.driver{group}@example.com", tags)
        registered = await api.post(
            "/v1/auth/register", json={"email": driver.email, "password": PASSWORD}
        )
        registered.raise_for_status()
        driver.user_id = registered.json()["id"]
        driver.headers = await _login(api, driver.email, PASSWORD)
        for tag in tags:
            token = await api.post(
                "/v1/id-tokens", json={"kind": "rfid", "uid": tag}, headers=driver.headers
            )
            token.raise_for_status()
        await _save_card(api, stripe_base, driver.headers)
        drivers.append(driver)
    for driver in drivers:
        await _until_accepted(api, driver)
    return drivers


async def _until_accepted(api: httpx.AsyncClient, driver: Driver, timeout: float = 120) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        mine = await api.get("/v1/id-tokens", headers=driver.headers)
        mine.raise_for_status()
        if all(token["decision"] == "Accepted" for token in mine.json()["items"]):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise SystemExit(f"[chaos] {driver.email}'s cards not accepted: {mine.text}")
        await asyncio.sleep(1)


async def book(
    api: httpx.AsyncClient, driver: Driver, charger: Charger, rng: random.Random
) -> str | None:
    """A booking of one of the driver's own chargers, starting within a minute, for a minute.
    Returns its id, or None when the platform refused it (overlap, a service down)."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=rng.randint(20, 60))
    try:
        answer = await api.post(
            "/v1/reservations",
            json={
                "charge_point_id": charger.id,
                "connector_id": rng.randint(1, 2),
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(seconds=60)).isoformat(),
            },
            headers=driver.headers,
        )
    except httpx.HTTPError:
        return None
    if answer.status_code != 201:
        return None
    reservation_id: str = answer.json()["id"]
    return reservation_id


async def cancel(api: httpx.AsyncClient, driver: Driver, reservation_id: str) -> bool:
    try:
        answer = await api.post(f"/v1/reservations/{reservation_id}/cancel", headers=driver.headers)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200
