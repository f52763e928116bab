"""Steps of the journey as an app, an operator's console and a charger take them.

Everything goes through the gateway's public REST API, Stripe's API the way Stripe.js uses it
(a publishable key and the client secret the platform handed out), and OCPP 1.6 frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx
from ocpp.v16 import call

from shared.clock import ocpp_time
from tests.e2e.platform import ADMIN, STRIPE_KEY, Platform
from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.notifications.harness import SmtpServer

PASSWORD = "correct horse battery staple"
PUBLISHABLE_KEY = "pk_test_ladda_local"
# A coordinate in central Stockholm; every journey charger stands within a few hundred metres.
HOME = (59.3326, 18.0649)
# 3.50/kWh and 5.00 per session, VAT 25 % on top (payment's default rate).
TARIFF: dict[str, Any] = {
    "name": "Journey tariff",
    "elements": [
        {
            "price_components": [
                {"type": "ENERGY", "price_minor": 350},
                {"type": "FLAT", "price_minor": 500},
            ]
        }
    ],
}


def total_minor(energy_wh: int) -> int:
    """What the journey tariff charges, VAT included."""
    subtotal = round(energy_wh / 1000 * 350) + 500
    return subtotal + round(subtotal * 0.25)


@dataclass
class Person:
    id: str
    email: str
    headers: dict[str, str]


async def login(api: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await api.post("/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, ADMIN["email"], ADMIN["password"])


async def register_driver(api: httpx.AsyncClient) -> Person:
    email = f"{unique('driver')}@example.com"
    registered = await api.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    return Person(registered.json()["id"], email, await login(api, email, PASSWORD))


async def staff_member(api: httpx.AsyncClient, role: str) -> Person:
    """An account an admin creates for a colleague (operator, support agent)."""
    email = f"{unique(role)}@ladda.example"
    created = await api.post(
        "/v1/users",
        json={"email": email, "password": PASSWORD, "roles": [role]},
        headers=await admin(api),
    )
    assert created.status_code == 201, created.text
    return Person(created.json()["id"], email, await login(api, email, PASSWORD))


async def add_rfid_card(api: httpx.AsyncClient, driver: Person) -> str:
    uid = unique("RFID").replace("-", "").upper()[:16]
    card = await api.post(
        "/v1/id-tokens",
        json={"kind": "rfid", "uid": uid, "label": "Key ring"},
        headers=driver.headers,
    )
    assert card.status_code == 201, card.text
    return uid


async def save_card(platform: Platform, driver: Person, card: str = "pm_card_visa") -> str:
    """The app asks for a SetupIntent; Stripe.js confirms it with the card; the app saves it."""
    api = platform.api
    intent = await api.post("/v1/payment-methods/setup-intents", headers=driver.headers)
    assert intent.status_code == 201, intent.text
    setup = intent.json()
    async with httpx.AsyncClient(base_url=platform.stripe_base, timeout=20) as stripe_js:
        confirmed = await stripe_js.post(
            f"/v1/setup_intents/{setup['setup_intent_id']}/confirm",
            data={
                "key": PUBLISHABLE_KEY,
                "client_secret": setup["client_secret"],
                "payment_method": card,
            },
        )
        assert confirmed.status_code == 200, confirmed.text
    saved = await api.post(
        "/v1/payment-methods",
        json={"setup_intent_id": setup["setup_intent_id"]},
        headers=driver.headers,
    )
    assert saved.status_code == 201, saved.text
    method_id: str = saved.json()["id"]
    return method_id


async def confirm_payment_intent(platform: Platform, client_secret: str) -> None:
    """Stripe.js confirming a PaymentIntent (a hold) with a card.

    localstripe accepts a publishable key only for SetupIntents, not for confirming a
    PaymentIntent, so this stand-in for Stripe.js uses the test secret key."""
    intent_id = client_secret.split("_secret_")[0]
    async with httpx.AsyncClient(
        base_url=platform.stripe_base, timeout=20, auth=(STRIPE_KEY, "")
    ) as stripe_js:
        attached = await stripe_js.post(
            f"/v1/payment_intents/{intent_id}", data={"payment_method": "pm_card_visa"}
        )
        assert attached.status_code == 200, attached.text
        confirmed = await stripe_js.post(f"/v1/payment_intents/{intent_id}/confirm")
        assert confirmed.status_code == 200, confirmed.text


async def install_charger(
    platform: Platform, operator: Person, *, site: str, offset_m: float = 0, connectors: int = 2
) -> tuple[str, str]:
    """Provision and approve a 1.6 charger near HOME; returns its id and password."""
    api = platform.api
    cp_id = unique(f"{platform.charger_prefix}-CP")
    latitude = HOME[0] + offset_m / 111_000
    provisioned = await api.post(
        "/v1/charge-points",
        json={
            "id": cp_id,
            "vendor": "Ladda",
            "model": "Journey",
            "connectors": connectors,
            "location": {
                "site_name": site,
                "address": "Drottninggatan 1, Stockholm",
                "latitude": latitude,
                "longitude": HOME[1],
            },
        },
        headers=operator.headers,
    )
    assert provisioned.status_code == 201, provisioned.text
    approved = await api.post(f"/v1/charge-points/{cp_id}/approve", headers=operator.headers)
    assert approved.status_code == 200, approved.text
    return cp_id, provisioned.json()["password"]


async def boot(client: Any, connectors: int = 2) -> None:
    booted = await client.call(
        call.BootNotification(charge_point_vendor="Ladda", charge_point_model="Journey")
    )
    assert booted.status == "Accepted"
    for connector in range(connectors + 1):
        await client.call(
            call.StatusNotification(
                connector_id=connector,
                error_code="NoError",
                status="Available",
                timestamp=ocpp_time(),
            )
        )


async def tap_until(client: Any, id_tag: str, wanted: str, timeout: float = 60) -> None:
    """Tap the card at the charger until the CSMS answers `wanted`."""

    async def answered() -> bool:
        answer = await client.call(call.Authorize(id_tag=id_tag))
        return bool(answer.id_tag_info["status"] == wanted)

    await eventually(answered, timeout=timeout, interval=0.3)


async def charge(
    client: Any,
    id_tag: str,
    connector: int,
    energy_wh: int,
    reservation_id: int | None = None,
    stop_accepted: bool = True,
) -> int:
    """Start now, two meter values, stop: `energy_wh` delivered. Returns the transaction id.

    `stop_accepted`: the tag is still valid at the stop (a pay-as-you-go token is single-use)."""
    begin = datetime.now(UTC)
    started = await client.call(
        call.StartTransaction(
            connector_id=connector,
            id_tag=id_tag,
            meter_start=10_000,
            timestamp=_stamp(begin),
            reservation_id=reservation_id,
        )
    )
    assert started.id_tag_info["status"] == "Accepted", started.id_tag_info
    transaction_id: int = started.transaction_id
    await client.call(
        call.StatusNotification(
            connector_id=connector, error_code="NoError", status="Charging", timestamp=ocpp_time()
        )
    )
    for fraction in (0.5, 1.0):
        await client.call(
            call.MeterValues(
                connector_id=connector,
                transaction_id=transaction_id,
                meter_value=[
                    {
                        "timestamp": ocpp_time(),
                        "sampledValue": [
                            {
                                "value": str(10_000 + int(energy_wh * fraction)),
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
            transaction_id=transaction_id,
            meter_stop=10_000 + energy_wh,
            timestamp=ocpp_time(),
            id_tag=id_tag,
            reason="Local",
        )
    )
    if stop_accepted:
        assert stopped.id_tag_info is None or stopped.id_tag_info["status"] == "Accepted"
    await client.call(
        call.StatusNotification(
            connector_id=connector, error_code="NoError", status="Available", timestamp=ocpp_time()
        )
    )
    return transaction_id


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


async def until_json(
    api: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    done: Any,
    timeout: float = 60,
    **params: Any,
) -> Any:
    """GET `path` until `done(body)` holds; returns the body."""
    body: Any = None

    async def reached() -> bool:
        nonlocal body
        response = await api.get(path, headers=headers, params=params or None)
        assert response.status_code in (200, 404), response.text
        body = response.json() if response.status_code == 200 else None
        return body is not None and bool(done(body))

    await eventually(reached, timeout=timeout, interval=0.3)
    return body


def items(body: Any) -> list[Any]:
    return list(body["items"] if isinstance(body, dict) else body)


async def received(client: Any, action: str, timeout: float = 60, **expected: Any) -> Any:
    """Wait until the charger received `action` with these fields; returns its fields."""
    found: list[Any] = []

    async def arrived() -> bool:
        found.extend(
            kw
            for name, kw in client.received
            if name == action and all(kw.get(k) == v for k, v in expected.items())
        )
        return bool(found)

    await eventually(arrived, timeout=timeout, interval=0.2)
    return found[0]


async def created_once_known(
    api: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> Any:
    """POST until 201: the service learns of what `body` names (a session, a charger) from
    another service's events, a moment after the owner has it."""
    answer: list[Any] = []

    async def created() -> bool:
        response = await api.post(path, json=body, headers=headers)
        assert response.status_code in (201, 404, 409, 422), response.text
        if response.status_code == 201:
            answer.append(response.json())
        return bool(answer)

    await eventually(created, timeout=60, interval=0.5)
    return answer[0]


async def mail_arrives(
    smtp: SmtpServer, address: str, done: Any, timeout: float = 60
) -> EmailMessage:
    """The first mail to `address` for which `done(mail)` holds, once it has arrived."""
    found: list[EmailMessage] = []

    async def arrived() -> bool:
        found[:] = [m for m in smtp.mails_to(address) if done(m)]
        return bool(found)

    await eventually(arrived, timeout=timeout, interval=0.3)
    return found[0]


def has_pdf(mail: EmailMessage) -> bool:
    return any(part.get_content_type() == "application/pdf" for part in mail.iter_attachments())


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    return body.get_content() if body is not None else ""
