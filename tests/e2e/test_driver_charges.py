"""A driver's whole path through the platform, every hop real.

Gateway → identity (accounts, tokens, RFID card) → Kafka (`identity.id-tokens.v1`) →
connectivity's local copy → an OCPP 1.6 charger authorises the card, charges, stops →
the driver reads their session through the gateway; another driver cannot.

The payment service's `payment.accounts.v1` event (a card on file) is published here the way
payment publishes it: an envelope on the real topic, keyed by user id.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from ocpp.v16 import call
from pydantic import SecretStr

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from services.connectivity.app import create_app as create_connectivity
from services.connectivity.settings import Settings as ConnectivitySettings
from services.identity.app import create_app as create_identity
from services.identity.settings import Settings as IdentitySettings
from shared.clock import ocpp_time as now
from shared.events.envelope import Envelope
from shared.events.payment import PaymentAccountChanged
from shared.kafka import create_producer
from tests.connectivity.clients import charger
from tests.helpers.stack import free_port, fresh_database, serve, unique, wait_until_ready

ADMIN = {"email": "e2e-admin@ladda.local", "password": "e2e-admin-password-1"}


@dataclass
class Platform:
    api: httpx.AsyncClient  # the gateway, as the apps see it
    ocpp_url: str


@pytest.fixture(scope="module")
async def platform() -> AsyncIterator[Platform]:
    suffix = unique(".e2e")
    identity_port = free_port()
    jwks_url = f"http://127.0.0.1:{identity_port}/.well-known/jwks.json"
    identity = create_identity(
        IdentitySettings(
            database_url=SecretStr(await fresh_database("test_e2e_identity")),
            consumer_group_suffix=suffix,
            signing_key_passphrase=SecretStr("e2e-passphrase"),
            bootstrap_admin_email=ADMIN["email"],
            bootstrap_admin_password=SecretStr(ADMIN["password"]),
            jwks_url=jwks_url,
            argon2_time_cost=1,
            argon2_memory_kib=8192,
            argon2_parallelism=1,
        )
    )
    ocpp_port = free_port()
    connectivity = create_connectivity(
        ConnectivitySettings(
            database_url=SecretStr(await fresh_database("test_e2e_connectivity")),
            consumer_group_suffix=suffix,
            ocpp_port=ocpp_port,
            jwks_url=jwks_url,
            flush_interval_s=0.05,
        )
    )
    async with (
        serve(identity, port=identity_port) as identity_url,
        serve(connectivity) as connectivity_url,
    ):
        await wait_until_ready(identity_url, timeout=60)
        await wait_until_ready(connectivity_url, timeout=60)
        gateway = create_gateway(
            GatewaySettings(
                jwks_url=jwks_url,
                upstream_identity=identity_url,
                upstream_connectivity=connectivity_url,
            )
        )
        async with (
            serve(gateway) as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=15) as api,
        ):
            yield Platform(api=api, ocpp_url=f"ws://127.0.0.1:{ocpp_port}")


async def login(api: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await api.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def new_driver(api: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    email, password = f"{unique('driver')}@example.com", "correct horse battery staple"
    registered = await api.post("/v1/auth/register", json={"email": email, "password": password})
    assert registered.status_code == 201, registered.text
    return registered.json()["id"], await login(api, email, password)


async def publish_card_on_file(user_id: str) -> None:
    producer = create_producer(os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"], client_id="e2e-payment")
    await producer.start()
    try:
        payload = PaymentAccountChanged(
            user_id=user_id,
            has_payment_method=True,
            subscription_active=False,
            has_overdue_invoice=False,
        )
        envelope = Envelope.wrap(payload, source="payment", subject=user_id, correlation_id=None)
        await producer.send_and_wait(payload.topic.name, envelope.to_bytes(), key=user_id.encode())
    finally:
        await producer.stop()


# Generous: connectivity's copy first reads the compacted decisions topic from its start, which
# holds every token the other tests of the run registered.
async def authorize_until(client: Any, id_tag: str, wanted: str, timeout: float = 120) -> float:
    """Ask the charger's CSMS until the decision is `wanted`; returns the seconds it took."""
    started = time.monotonic()
    while True:
        answer = await client.call(call.Authorize(id_tag=id_tag))
        if answer.id_tag_info["status"] == wanted:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"still {answer.id_tag_info} for {id_tag}"
        await asyncio.sleep(0.1)


async def test_a_driver_registers_a_card_charges_and_sees_only_their_own_session(
    platform: Platform,
) -> None:
    api = platform.api
    admin = await login(api, ADMIN["email"], ADMIN["password"])
    cp_id = unique("E2E-CP")
    provisioned = await api.post(
        "/v1/charge-points",
        json={"id": cp_id, "vendor": "Ladda", "model": "E2E", "connectors": 1},
        headers=admin,
    )
    assert provisioned.status_code == 201, provisioned.text
    cp_password = provisioned.json()["password"]
    approved = await api.post(f"/v1/charge-points/{cp_id}/approve", headers=admin)
    assert approved.status_code == 200, approved.text

    driver_id, driver = await new_driver(api)
    _, other_driver = await new_driver(api)
    card_uid = unique("RFID")[-16:].upper()
    card = await api.post("/v1/id-tokens", json={"kind": "rfid", "uid": card_uid}, headers=driver)
    assert card.status_code == 201, card.text
    assert card.json()["decision"] == "Blocked"  # no payment method yet

    async with charger(platform.ocpp_url, cp_id, cp_password) as client:
        boot = await client.call(
            call.BootNotification(charge_point_vendor="Ladda", charge_point_model="E2E")
        )
        assert boot.status == "Accepted"
        # Identity's decision reaches connectivity's copy through Kafka.
        await authorize_until(client, card_uid, "Blocked")
        await publish_card_on_file(driver_id)
        await authorize_until(client, card_uid, "Accepted")

        started = await client.call(
            call.StartTransaction(
                connector_id=1, id_tag=card_uid, meter_start=1000, timestamp=now()
            )
        )
        assert started.id_tag_info["status"] == "Accepted"
        await client.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=started.transaction_id,
                meter_value=[
                    {
                        "timestamp": now(),
                        "sampledValue": [
                            {
                                "value": "4200",
                                "measurand": "Energy.Active.Import.Register",
                                "unit": "Wh",
                            }
                        ],
                    }
                ],
            )
        )
        stopped = await client.call(
            call.StopTransaction(
                transaction_id=started.transaction_id,
                meter_stop=8500,
                timestamp=now(),
                id_tag=card_uid,
                reason="Local",
            )
        )
        assert stopped.id_tag_info["status"] == "Accepted"

    sessions = await _eventually_one_session(api, driver)
    session = sessions[0]
    assert session["charge_point_id"] == cp_id
    assert session["user_id"] == driver_id
    assert session["energy_wh"] == 7500
    assert session["status"] == "completed" or session["stopped_at"] is not None

    # Another driver sees none of it, not even by id.
    others = await api.get("/v1/sessions", headers=other_driver)
    assert others.status_code == 200 and _items(others.json()) == []
    hidden = await api.get(f"/v1/sessions/{session['id']}", headers=other_driver)
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    # And nobody without a token sees anything.
    assert (await api.get("/v1/sessions")).status_code == 401


async def _eventually_one_session(api: httpx.AsyncClient, driver: dict[str, str]) -> list[Any]:
    deadline = time.monotonic() + 15
    while True:
        response = await api.get("/v1/sessions", headers=driver)
        assert response.status_code == 200, response.text
        items = _items(response.json())
        if items and items[0].get("stopped_at"):
            return items
        assert time.monotonic() < deadline, f"session not listed: {response.text}"
        await asyncio.sleep(0.1)


def _items(body: Any) -> list[Any]:
    return list(body["items"] if isinstance(body, dict) else body)
