"""What the driver and guest tests need around the browser: a charger provisioned with a price,
a simulated OCPP 1.6 charger that charges when started remotely, and the one step of Stripe.js
that localstripe's stand-in cannot do."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from ocpp.v16 import call
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action
from playwright.async_api import Page, Route, expect
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from shared.ocpp import on
from tests.connectivity.clients import Charger16, basic
from tests.helpers.polling import eventually
from tests.web.conftest import ADMIN, Platform
from tests.web.services import STRIPE_SECRET_KEY, STRIPE_URL


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def admin_headers(platform: Platform) -> dict[str, str]:
    token = (await platform.api.post("/v1/auth/login", json=ADMIN)).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def provision_priced_charger(platform: Platform, cp_id: str, site: str) -> str:
    """An approved 2-connector charger at `site` with a tariff of its own; its password."""
    headers = await admin_headers(platform)
    created = await platform.api.post(
        "/v1/charge-points",
        json={
            "id": cp_id,
            "vendor": "Ladda",
            "model": "Web-2",
            "connectors": 2,
            "location": {"site_name": site, "latitude": 59.33, "longitude": 18.06},
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    password: str = created.json()["password"]
    approved = await platform.api.post(f"/v1/charge-points/{cp_id}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    tariff = await platform.api.post(
        "/v1/tariffs",
        json={
            "name": f"Tariff of {cp_id}",
            "charge_point_ids": [cp_id],
            "valid_from": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "elements": [
                {
                    "price_components": [
                        {"type": "ENERGY", "price_minor": 360},
                        {"type": "FLAT", "price_minor": 1000},
                    ]
                }
            ],
        },
        headers=headers,
    )
    assert tariff.status_code == 201, tariff.text
    return password


class ChargingCharger(Charger16):
    """Accepts a remote start and charges: StartTransaction with the given idTag, then meter
    values every second (11 kW) until a remote stop, answered with StopTransaction."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.charging: asyncio.Task[None] | None = None
        self.transaction_id: int | None = None
        self.energy_wh = 0
        self.connector = 1

    @on(Action.remote_start_transaction)
    async def remote_start(self, **kwargs: Any) -> Any:
        self.received.append(("RemoteStartTransaction", kwargs))
        self.charging = asyncio.create_task(
            self._charge(kwargs.get("connector_id") or 1, kwargs["id_tag"])
        )
        return result16.RemoteStartTransaction(status="Accepted")

    @on(Action.remote_stop_transaction)
    async def remote_stop(self, **kwargs: Any) -> Any:
        self.received.append(("RemoteStopTransaction", kwargs))
        if self.charging:
            self.charging.cancel()
        asyncio.get_running_loop().call_later(0.2, lambda: asyncio.ensure_future(self._stop()))
        return result16.RemoteStopTransaction(status="Accepted")

    async def _charge(self, connector: int, id_tag: str) -> None:
        await asyncio.sleep(0.3)  # the answer to the remote start goes out first
        await self.call(
            call.StatusNotification(
                connector_id=connector, error_code="NoError", status="Preparing"
            )
        )
        started = await self.call(
            call.StartTransaction(
                connector_id=connector, id_tag=id_tag, meter_start=0, timestamp=now()
            )
        )
        self.transaction_id = started.transaction_id
        self.connector = connector
        await self.call(
            call.StatusNotification(connector_id=connector, error_code="NoError", status="Charging")
        )
        while True:
            await asyncio.sleep(1)
            self.energy_wh += 3000  # generous, so the kWh on the page change visibly
            await self.call(
                call.MeterValues(
                    connector_id=connector,
                    transaction_id=self.transaction_id,
                    meter_value=[
                        {
                            "timestamp": now(),
                            "sampledValue": [
                                {
                                    "value": str(self.energy_wh),
                                    "measurand": "Energy.Active.Import.Register",
                                    "unit": "Wh",
                                },
                                {
                                    "value": "11000",
                                    "measurand": "Power.Active.Import",
                                    "unit": "W",
                                },
                            ],
                        }
                    ],
                )
            )

    async def _stop(self) -> None:
        assert self.transaction_id is not None
        await self.call(
            call.StopTransaction(
                meter_stop=self.energy_wh,
                timestamp=now(),
                transaction_id=self.transaction_id,
                reason="Remote",
            )
        )
        await self.call(
            call.StatusNotification(
                connector_id=self.connector, error_code="NoError", status="Available"
            )
        )


@contextlib.asynccontextmanager
async def charging_charger(platform: Platform, cp_id: str, password: str) -> AsyncIterator[Any]:
    """The charger connected, booted and Available on both connectors."""
    async with connect(
        f"{platform.ocpp_url}/ocpp/{cp_id}",
        subprotocols=[Subprotocol("ocpp1.6")],
        additional_headers={"Authorization": basic(cp_id, password)},
        compression=None,
        open_timeout=10,
    ) as ws:
        client = ChargingCharger(cp_id, ws)
        loop = asyncio.create_task(client.start())
        try:
            boot = await client.call(
                call.BootNotification(charge_point_vendor="Ladda", charge_point_model="Web-2")
            )
            assert boot.status == "Accepted"
            for connector in (1, 2):
                await client.call(
                    call.StatusNotification(
                        connector_id=connector, error_code="NoError", status="Available"
                    )
                )
            yield client
        finally:
            if client.charging:
                client.charging.cancel()
            loop.cancel()
            await asyncio.gather(loop, return_exceptions=True)


async def stand_in_for_stripe_js_card_payment(page: Page) -> None:
    """localstripe's Stripe.js stand-in confirms a PaymentIntent only by "3-D Secure"
    (`POST /v1/payment_intents/{id}/_authenticate`) and cannot attach the card typed into its
    field, which real Stripe.js does in `confirmCardPayment`. This routes that one request and
    does what Stripe does with the card: attach a test card and confirm (with the test server's
    secret key), answering the page with the PaymentIntent as Stripe.js would."""

    async def authenticate(route: Route) -> None:
        intent_id = route.request.url.split("/payment_intents/")[1].split("/")[0]
        auth = {"Authorization": f"Bearer {STRIPE_SECRET_KEY}"}
        async with httpx.AsyncClient(base_url=STRIPE_URL, headers=auth, timeout=60) as stripe:
            attached = await stripe.post(
                f"/v1/payment_intents/{intent_id}", data={"payment_method": "pm_card_visa"}
            )
            assert attached.status_code == 200, attached.text
            confirmed = await stripe.post(f"/v1/payment_intents/{intent_id}/confirm")
            assert confirmed.status_code == 200, confirmed.text
        await route.fulfill(
            status=200,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps(confirmed.json()),
        )

    await page.route("**/v1/payment_intents/*/_authenticate*", authenticate)


async def fill_card(page: Page) -> None:
    """Type a test card into the card field (localstripe's stand-in draws plain inputs)."""
    field = page.get_by_test_id("stripe-card")
    # The field appears once Stripe.js is loaded (and, to pay a hold, once payment has opened it
    # at Stripe: localstripe is slow under load).
    await expect(field.get_by_placeholder("number", exact=True)).to_be_visible(timeout=90_000)
    for placeholder, value in (
        ("number", "4242424242424242"),
        ("exp_month", "12"),
        ("exp_year", "34"),
        ("cvc", "123"),
        ("postal_code", "11122"),
    ):
        await field.get_by_placeholder(placeholder, exact=True).fill(value)


async def wait_for_booking_to_know(platform: Platform, cp_id: str, headers: dict[str, str]) -> None:
    async def known() -> bool:
        answer = await platform.api.get(
            "/v1/availability", params={"charge_point_id": cp_id}, headers=headers
        )
        return answer.status_code == 200 and bool(answer.json()["charge_points"])

    await eventually(known, timeout=120)
