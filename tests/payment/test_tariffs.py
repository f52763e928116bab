"""Tariffs over REST: operators manage them, anyone reads the price in force for a connector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.payment.support import PaymentService, auth, new_driver

OPERATOR = auth("operator-1", "operator")


def simple_tariff(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Standard",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price_minor": 400}]},
        ],
    }
    body.update(overrides)
    return body


async def test_operators_create_and_the_public_reads_the_price(payment: PaymentService) -> None:
    created = await payment.http.post(
        "/v1/tariffs",
        json=simple_tariff(
            charge_point_ids=["TARIFF-CP-1"],
            elements=[
                {
                    "price_components": [
                        {"type": "ENERGY", "price_minor": 360},
                        {"type": "FLAT", "price_minor": 1000},
                    ]
                }
            ],
        ),
        headers=OPERATOR,
    )
    assert created.status_code == 201, created.text
    tariff = created.json()
    assert (tariff["currency"], tariff["vat_rate_bp"]) == ("SEK", 2500)

    price = await payment.http.get("/v1/tariffs/current/TARIFF-CP-1/1")  # no token
    assert price.status_code == 200, price.text
    body = price.json()
    assert body["tariff"]["id"] == tariff["id"]
    assert body["energy_price_per_kwh_incl_vat_minor"] == 450
    example = body["example_20_kwh"]
    # 20 kWh x 3.60 + 10.00 fee = 82.00; VAT 25 % = 20.50; total 102.50 SEK.
    assert (example["subtotal_minor"], example["vat_minor"], example["total_minor"]) == (
        8200,
        2050,
        10250,
    )


async def test_the_most_specific_and_latest_tariff_is_in_force(payment: PaymentService) -> None:
    network = await payment.http.post(
        "/v1/tariffs", json=simple_tariff(name="Network"), headers=OPERATOR
    )
    assert network.status_code == 201
    other = await payment.http.get("/v1/tariffs/current/SOME-OTHER-CP/2")
    assert other.json()["tariff"]["name"] in {"Network", "Standard"}

    old = await payment.http.post(
        "/v1/tariffs",
        json=simple_tariff(
            name="Old",
            charge_point_ids=["TARIFF-CP-2"],
            valid_from=(datetime.now(UTC) - timedelta(days=10)).isoformat(),
        ),
        headers=OPERATOR,
    )
    new = await payment.http.post(
        "/v1/tariffs",
        json=simple_tariff(
            name="New",
            charge_point_ids=["TARIFF-CP-2"],
            valid_from=(datetime.now(UTC) - timedelta(days=1)).isoformat(),
        ),
        headers=OPERATOR,
    )
    assert (await payment.http.get("/v1/tariffs/current/TARIFF-CP-2/1")).json()["tariff"][
        "name"
    ] == "New"
    # Ending the new one puts the old one back in force.
    ended = await payment.http.patch(
        f"/v1/tariffs/{new.json()['id']}",
        json={"valid_to": (datetime.now(UTC) - timedelta(seconds=1)).isoformat()},
        headers=OPERATOR,
    )
    assert ended.status_code == 200, ended.text
    current = await payment.http.get("/v1/tariffs/current/TARIFF-CP-2/1")
    assert current.json()["tariff"]["id"] == old.json()["id"]


async def test_only_operators_and_admins_manage_tariffs(payment: PaymentService) -> None:
    _, driver = new_driver()
    for headers in (driver, auth("s", "support"), auth("svc", "service")):
        response = await payment.http.post("/v1/tariffs", json=simple_tariff(), headers=headers)
        assert response.status_code == 403
    assert (await payment.http.post("/v1/tariffs", json=simple_tariff())).status_code == 401
    admin = await payment.http.post("/v1/tariffs", json=simple_tariff(), headers=auth("a", "admin"))
    assert admin.status_code == 201


async def test_invalid_tariffs_are_refused(payment: PaymentService) -> None:
    bad_time = simple_tariff(
        elements=[
            {
                "price_components": [{"type": "ENERGY", "price_minor": 1}],
                "restrictions": {"start_time": "25:00"},
            }
        ]
    )
    for body in (
        bad_time,
        simple_tariff(elements=[]),
        simple_tariff(currency="sek"),
        simple_tariff(time_zone="Mars/Olympus"),
        simple_tariff(elements=[{"price_components": [{"type": "ENERGY", "price_minor": -1}]}]),
    ):
        response = await payment.http.post("/v1/tariffs", json=body, headers=OPERATOR)
        assert response.status_code == 422, body
