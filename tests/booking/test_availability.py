"""Availability: free windows per connector minus bookings, maintenance, faults; DST days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.booking.availability.schemas import AvailabilityOut
from services.booking.network import service as network
from shared.events.chargepoints import ChargePointLocation, ChargePointRegistered
from tests.booking.support import (
    OPERATOR,
    Service,
    create_charge_point,
    driver,
    set_connector_status,
    slot_start,
)
from tests.helpers.stack import unique


async def new_cp(service: Service, **overrides: Any) -> str:
    async with service.pool.acquire() as conn:
        return await create_charge_point(conn, **overrides)


def windows(connector: dict[str, Any]) -> list[tuple[datetime, datetime]]:
    return [
        (datetime.fromisoformat(w["starts_at"]), datetime.fromisoformat(w["ends_at"]))
        for w in connector["free"]
    ]


async def test_free_windows_leave_out_bookings_maintenance_and_faults(service: Service) -> None:
    settings = service.settings
    cp_id = await new_cp(service, connectors=3)
    day = slot_start(settings, timedelta(days=2))
    period = (day, day + timedelta(hours=8))
    _, headers = driver()
    booked = await service.http.post(
        "/v1/reservations",
        json={
            "charge_point_id": cp_id,
            "connector_id": 1,
            "starts_at": (day + timedelta(hours=2)).isoformat(),
            "ends_at": (day + timedelta(hours=3)).isoformat(),
        },
        headers=headers,
    )
    assert booked.status_code == 201, booked.text
    maintenance = await service.http.post(
        "/v1/availability/maintenance-windows",
        json={
            "charge_point_id": cp_id,
            "connector_id": 2,
            # Not aligned to slots: the free time around it is trimmed to whole slots.
            "starts_at": (day + timedelta(hours=4, minutes=5)).isoformat(),
            "ends_at": (day + timedelta(hours=5, minutes=55)).isoformat(),
            "reason": "inspection",
        },
        headers=OPERATOR,
    )
    assert maintenance.status_code == 201, maintenance.text
    async with service.pool.acquire() as conn:
        await set_connector_status(conn, cp_id, 3, "Faulted")

    response = await service.http.get(
        "/v1/availability",
        params={
            "charge_point_id": cp_id,
            "from": period[0].isoformat(),
            "to": period[1].isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    AvailabilityOut.model_validate_json(response.text)  # the documented shape
    [charge_point] = response.json()["charge_points"]
    one, two, three = charge_point["connectors"]
    assert windows(one) == [
        (day, day + timedelta(hours=2)),
        (day + timedelta(hours=3), period[1]),
    ]
    assert windows(two) == [
        (day, day + timedelta(hours=4)),
        (day + timedelta(hours=6), period[1]),
    ]
    assert three["in_service"] is False and three["status"] == "Faulted"
    assert windows(three) == []


async def test_a_whole_charger_status_takes_every_connector_out(service: Service) -> None:
    cp_id = await new_cp(service, connectors=2)
    async with service.pool.acquire() as conn:
        await set_connector_status(conn, cp_id, 0, "Unavailable")
    _, headers = driver()
    response = await service.http.get(
        "/v1/availability", params={"charge_point_id": cp_id}, headers=headers
    )
    connectors = response.json()["charge_points"][0]["connectors"]
    assert [c["in_service"] for c in connectors] == [False, False]


async def test_only_approved_charge_points_in_a_box_or_site(service: Service) -> None:
    site = "Availability Site"
    inside = await new_cp(service, site_name=site, latitude=57.70, longitude=11.97)
    await new_cp(service, site_name=site, latitude=57.70, longitude=11.98, approval="pending")
    outside = await new_cp(service, latitude=55.60, longitude=13.00)
    _, headers = driver()
    boxed = await service.http.get(
        "/v1/availability", params={"bbox": "11.9,57.6,12.1,57.8"}, headers=headers
    )
    assert [cp["charge_point_id"] for cp in boxed.json()["charge_points"]] == [inside]
    by_site = await service.http.get("/v1/availability", params={"site": site}, headers=headers)
    assert [cp["charge_point_id"] for cp in by_site.json()["charge_points"]] == [inside]
    assert outside not in boxed.text


async def test_free_time_starts_no_earlier_than_the_minimum_lead_time(service: Service) -> None:
    cp_id = await new_cp(service)
    _, headers = driver()
    response = await service.http.get(
        "/v1/availability", params={"charge_point_id": cp_id}, headers=headers
    )
    body = response.json()
    earliest = datetime.fromisoformat(body["earliest_start"])
    for connector in body["charge_points"][0]["connectors"]:
        for start, _ in windows(connector):
            assert start >= earliest


async def test_dst_days_of_the_operator_time_zone_are_23_and_25_hours(service: Service) -> None:
    cp_id = await new_cp(service, connectors=1)
    _, headers = driver()
    for day, hours, offsets in (
        ("2027-03-28", 23, ("+01:00", "+02:00")),
        ("2027-10-31", 25, ("+02:00", "+01:00")),
        ("2027-06-15", 24, ("+02:00", "+02:00")),
    ):
        response = await service.http.get(
            "/v1/availability",
            params={"charge_point_id": cp_id, "date": day, "tz": "Europe/Stockholm"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        start = datetime.fromisoformat(body["period_start"])
        end = datetime.fromisoformat(body["period_end"])
        assert end - start == timedelta(hours=hours), day
        assert body["period_start"].startswith(f"{day}T00:00:00")
        assert body["period_start"].endswith(offsets[0])
        assert body["period_end"].endswith(offsets[1])
        [free] = body["charge_points"][0]["connectors"][0]["free"]
        assert free["starts_at"] == body["period_start"]
        assert free["ends_at"] == body["period_end"]


async def test_bad_availability_queries_are_422(service: Service) -> None:
    cp_id = await new_cp(service)
    _, headers = driver()
    for params in (
        {},
        {"charge_point_id": cp_id, "site": "x"},
        {"charge_point_id": cp_id, "tz": "Mars/Olympus"},
        {"bbox": "1,2,3"},
        {"bbox": "10,60,5,50"},
        {"charge_point_id": cp_id, "from": "2030-01-01T00:00:00Z"},
        {"charge_point_id": cp_id, "from": "2030-01-01T00:00:00Z", "to": "2030-02-01T00:00:00Z"},
        {"charge_point_id": cp_id, "from": "2030-01-01T00:00:00", "to": "2030-01-02T00:00:00"},
    ):
        response = await service.http.get("/v1/availability", params=params, headers=headers)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_maintenance_cancels_overlapping_bookings_and_offers_an_alternative(
    service: Service,
) -> None:
    settings = service.settings
    cp_id = await new_cp(service, connectors=2)
    _, headers = driver()
    day = slot_start(settings, timedelta(days=3))
    booked = await service.http.post(
        "/v1/reservations",
        json={
            "charge_point_id": cp_id,
            "connector_id": 1,
            "starts_at": day.isoformat(),
            "ends_at": (day + timedelta(hours=1)).isoformat(),
        },
        headers=headers,
    )
    booking = booked.json()
    created = await service.http.post(
        "/v1/availability/maintenance-windows",
        json={
            "charge_point_id": cp_id,
            "connector_id": 1,
            "starts_at": (day - timedelta(hours=1)).isoformat(),
            "ends_at": (day + timedelta(hours=2)).isoformat(),
        },
        headers=OPERATOR,
    )
    assert created.status_code == 201, created.text
    assert created.json()["cancelled_bookings"] == 1
    after = (await service.http.get(f"/v1/reservations/{booking['id']}", headers=headers)).json()
    assert after["status"] == "cancelled" and after["cancel_reason"] == "maintenance"
    assert after["alternative"] == {
        "charge_point_id": cp_id,
        "connector_id": 2,
        "starts_at": after["starts_at"],
        "ends_at": after["ends_at"],
    }
    listed = await service.http.get(
        "/v1/availability/maintenance-windows", params={"charge_point_id": cp_id}, headers=OPERATOR
    )
    assert [w["id"] for w in listed.json()] == [created.json()["id"]]
    assert (
        await service.http.get("/v1/availability/maintenance-windows", headers=headers)
    ).status_code == 403
    deleted = await service.http.delete(
        f"/v1/availability/maintenance-windows/{created.json()['id']}", headers=OPERATOR
    )
    assert deleted.status_code == 204
    again = await service.http.delete(
        f"/v1/availability/maintenance-windows/{created.json()['id']}", headers=OPERATOR
    )
    assert again.status_code == 404


async def test_a_charger_heard_online_before_its_registration_arrived_shows_online(
    service: Service,
) -> None:
    """Presence and the registry come on two topics, read by two consumers, in either order."""
    cp_id = unique("CP-EARLY")
    heard = datetime.now(UTC)
    async with service.pool.acquire() as conn, conn.transaction():
        await network.apply_presence(conn, cp_id, True, heard)
        # An older disconnect, delivered late, does not take the charger offline.
        await network.apply_presence(conn, cp_id, False, heard - timedelta(seconds=5))
        await network.apply_registry(
            conn,
            ChargePointRegistered(
                charge_point_id=cp_id,
                ocpp_version="1.6",
                vendor="Ladda",
                model="Early",
                serial_number=None,
                firmware_version=None,
                connectors=1,
                location=ChargePointLocation(site_name=unique("Early site")),
                approval="approved",
            ),
            service.settings,
        )
    _, headers = driver()
    response = await service.http.get(
        "/v1/availability", params={"charge_point_id": cp_id}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert [cp["online"] for cp in response.json()["charge_points"]] == [True]

    async with service.pool.acquire() as conn, conn.transaction():
        await network.apply_presence(conn, cp_id, False, heard + timedelta(seconds=1))
    response = await service.http.get(
        "/v1/availability", params={"charge_point_id": cp_id}, headers=headers
    )
    assert [cp["online"] for cp in response.json()["charge_points"]] == [False]
