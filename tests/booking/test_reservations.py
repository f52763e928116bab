"""Bookings through the REST API: the rules, ownership, conflicts, cancelling, blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.booking.support import (
    ADMIN,
    OPERATOR,
    SUPPORT,
    Service,
    create_charge_point,
    create_id_token,
    driver,
    set_connector_status,
    slot_start,
    window,
)


async def new_cp(service: Service, **overrides: Any) -> str:
    async with service.pool.acquire() as conn:
        return await create_charge_point(conn, **overrides)


async def book(
    service: Service, headers: dict[str, str], cp_id: str, **body: Any
) -> dict[str, Any]:
    response = await service.http.post(
        "/v1/reservations",
        json={"charge_point_id": cp_id, **window(service.settings), **body},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_driver_books_lists_reads_and_cancels_their_own(service: Service) -> None:
    cp_id = await new_cp(service)
    user_id, headers = driver()
    booking = await book(service, headers, cp_id, connector_id=2)
    assert booking["status"] == "confirmed"
    assert booking["connector_id"] == 2
    assert booking["user_id"] == user_id
    assert booking["charger_hold"] == "not_sent"

    listed = await service.http.get("/v1/reservations", headers=headers)
    assert [b["id"] for b in listed.json()] == [booking["id"]]
    read = await service.http.get(f"/v1/reservations/{booking['id']}", headers=headers)
    assert read.status_code == 200 and read.json()["starts_at"] == booking["starts_at"]

    cancelled = await service.http.post(f"/v1/reservations/{booking['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "driver"
    assert cancelled.json()["cancelled_late"] is False
    again = await service.http.post(f"/v1/reservations/{booking['id']}/cancel", headers=headers)
    assert again.status_code == 409


async def test_a_cancelled_window_can_be_booked_again(service: Service) -> None:
    cp_id = await new_cp(service)
    _, first = driver()
    booking = await book(service, first, cp_id, connector_id=1)
    await service.http.post(f"/v1/reservations/{booking['id']}/cancel", headers=first)
    _, second = driver()
    assert (await book(service, second, cp_id, connector_id=1))["status"] == "confirmed"


async def test_overlap_is_409_naming_the_window_not_its_owner(service: Service) -> None:
    cp_id = await new_cp(service)
    owner, first = driver()
    taken = await book(service, first, cp_id, connector_id=1)
    _, second = driver()
    start = datetime.fromisoformat(taken["starts_at"]) + service.settings.slot
    response = await service.http.post(
        "/v1/reservations",
        json={
            "charge_point_id": cp_id,
            "connector_id": 1,
            "starts_at": start.isoformat(),
            "ends_at": (start + 4 * service.settings.slot).isoformat(),
        },
        headers=second,
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    conflicting = problem["conflicting_window"]
    assert datetime.fromisoformat(conflicting["starts_at"]) == datetime.fromisoformat(
        taken["starts_at"]
    )
    assert datetime.fromisoformat(conflicting["ends_at"]) == datetime.fromisoformat(
        taken["ends_at"]
    )
    assert owner not in response.text


async def test_back_to_back_windows_do_not_overlap(service: Service) -> None:
    cp_id = await new_cp(service)
    _, first = driver()
    taken = await book(service, first, cp_id, connector_id=1)
    end = datetime.fromisoformat(taken["ends_at"])
    _, second = driver()
    response = await service.http.post(
        "/v1/reservations",
        json={
            "charge_point_id": cp_id,
            "connector_id": 1,
            "starts_at": end.isoformat(),
            "ends_at": (end + service.settings.slot).isoformat(),
        },
        headers=second,
    )
    assert response.status_code == 201, response.text


async def test_any_connector_picks_a_free_one_until_none_is_left(service: Service) -> None:
    cp_id = await new_cp(service, connectors=2)
    picked = set()
    for _ in range(2):
        _, headers = driver()
        picked.add((await book(service, headers, cp_id))["connector_id"])
    assert picked == {1, 2}
    _, headers = driver()
    response = await service.http.post(
        "/v1/reservations",
        json={"charge_point_id": cp_id, **window(service.settings)},
        headers=headers,
    )
    assert response.status_code == 409
    assert "conflicting_window" in response.json()


async def test_time_rules_are_422_naming_the_rule(service: Service) -> None:
    cp_id = await new_cp(service)
    _, headers = driver()
    settings = service.settings
    start = slot_start(settings)
    now = datetime.now(UTC)
    cases = {
        "end_after_start": (start, start),
        "slot_alignment": (start + timedelta(minutes=1), start + settings.slot),
        "not_in_past": (
            slot_start(settings, -timedelta(hours=2)),
            slot_start(settings, -timedelta(hours=1)),
        ),
        "min_lead_time": (
            slot_start(settings, timedelta(0)),
            slot_start(settings, timedelta(0)) + settings.slot,
        ),
        "max_advance": (
            slot_start(settings, settings.max_advance + timedelta(days=1)),
            slot_start(settings, settings.max_advance + timedelta(days=1)) + settings.slot,
        ),
        "max_duration": (start, start + settings.max_duration + settings.slot),
    }
    assert slot_start(settings, timedelta(0)) < now + settings.min_lead_time
    for rule, (starts_at, ends_at) in cases.items():
        response = await service.http.post(
            "/v1/reservations",
            json={
                "charge_point_id": cp_id,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
            },
            headers=headers,
        )
        assert response.status_code == 422, (rule, response.text)
        assert response.json()["rule"] == rule, (rule, response.json())


async def test_times_need_an_offset_and_are_returned_in_utc(service: Service) -> None:
    cp_id = await new_cp(service)
    _, headers = driver()
    start = slot_start(service.settings)
    naive = await service.http.post(
        "/v1/reservations",
        json={
            "charge_point_id": cp_id,
            "starts_at": start.replace(tzinfo=None).isoformat(),
            "ends_at": (start + service.settings.slot).replace(tzinfo=None).isoformat(),
        },
        headers=headers,
    )
    assert naive.status_code == 422
    stockholm = start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Stockholm"))
    booked = await book(
        service,
        headers,
        cp_id,
        starts_at=stockholm.isoformat(),
        ends_at=(stockholm + service.settings.slot).isoformat(),
    )
    assert datetime.fromisoformat(booked["starts_at"]) == start
    assert booked["starts_at"].endswith(("Z", "+00:00"))


async def test_at_most_the_allowed_upcoming_bookings_per_driver(service: Service) -> None:
    _, headers = driver()
    limit = service.settings.max_active_per_driver
    for day in range(limit):
        cp_id = await new_cp(service)
        await book(service, headers, cp_id, **window(service.settings, timedelta(days=day + 1)))
    cp_id = await new_cp(service)
    response = await service.http.post(
        "/v1/reservations",
        json={"charge_point_id": cp_id, **window(service.settings, timedelta(days=limit + 1))},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "max_active_per_driver"


async def test_cancelling_after_the_deadline_is_marked_late(service: Service) -> None:
    cp_id = await new_cp(service)
    _, headers = driver()
    settings = service.settings
    soon = await book(
        service,
        headers,
        cp_id,
        **window(settings, settings.min_lead_time + settings.slot, slots=1),
    )
    assert settings.min_lead_time + 2 * settings.slot < settings.cancellation_deadline
    cancelled = await service.http.post(f"/v1/reservations/{soon['id']}/cancel", headers=headers)
    assert cancelled.json()["cancelled_late"] is True


async def test_a_driver_cannot_see_or_cancel_another_drivers_booking(service: Service) -> None:
    cp_id = await new_cp(service)
    _, owner = driver()
    booking = await book(service, owner, cp_id)
    _, other = driver()
    assert (
        await service.http.get(f"/v1/reservations/{booking['id']}", headers=other)
    ).status_code == 404
    cancel = await service.http.post(f"/v1/reservations/{booking['id']}/cancel", headers=other)
    assert cancel.status_code == 404
    assert (await service.http.get("/v1/reservations", headers=other)).json() == []
    listed = await service.http.get(
        "/v1/reservations", params={"user_id": "someone-else"}, headers=other
    )
    assert listed.json() == []
    assert (await service.http.get("/v1/reservations/not-a-uuid", headers=other)).status_code == 404
    still = await service.http.get(f"/v1/reservations/{booking['id']}", headers=owner)
    assert still.json()["status"] == "confirmed"


async def test_operators_see_and_cancel_every_booking_support_only_reads(service: Service) -> None:
    cp_id = await new_cp(service)
    user_id, owner = driver()
    booking = await book(service, owner, cp_id)
    for staff in (OPERATOR, SUPPORT, ADMIN):
        listed = await service.http.get(
            "/v1/reservations", params={"user_id": user_id}, headers=staff
        )
        assert [b["id"] for b in listed.json()] == [booking["id"]]
    refused = await service.http.post(f"/v1/reservations/{booking['id']}/cancel", headers=SUPPORT)
    assert refused.status_code == 403
    cancelled = await service.http.post(
        f"/v1/reservations/{booking['id']}/cancel", headers=OPERATOR
    )
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "operator"
    assert cancelled.json()["cancelled_late"] is False


async def test_operator_books_on_behalf_of_a_driver_who_then_sees_it(service: Service) -> None:
    cp_id = await new_cp(service)
    user_id, headers = driver()
    missing = await service.http.post(
        "/v1/reservations",
        json={"charge_point_id": cp_id, **window(service.settings)},
        headers=OPERATOR,
    )
    assert missing.status_code == 422
    booking = await book(service, OPERATOR, cp_id, user_id=user_id)
    mine = await service.http.get(f"/v1/reservations/{booking['id']}", headers=headers)
    assert mine.status_code == 200


async def test_operator_blocks_a_connector_and_nobody_can_book_it(service: Service) -> None:
    cp_id = await new_cp(service, connectors=1)
    block = await service.http.post(
        "/v1/reservations/blocks",
        json={
            "charge_point_id": cp_id,
            "connector_id": 1,
            "note": "fleet",
            **window(service.settings, slots=16),
        },
        headers=OPERATOR,
    )
    assert block.status_code == 201, block.text
    assert block.json()["kind"] == "block" and block.json()["user_id"] is None
    _, headers = driver()
    refused = await service.http.post(
        "/v1/reservations",
        json={"charge_point_id": cp_id, **window(service.settings)},
        headers=headers,
    )
    assert refused.status_code == 409
    fleet_id, fleet = driver()
    fleet_block = await service.http.post(
        "/v1/reservations/blocks",
        json={
            "charge_point_id": cp_id,
            "connector_id": 1,
            "user_id": fleet_id,
            **window(service.settings, timedelta(days=5)),
        },
        headers=OPERATOR,
    )
    block_id = fleet_block.json()["id"]
    # The fleet account sees the block made for it, but only operators cancel blocks.
    assert (
        await service.http.get(f"/v1/reservations/{block_id}", headers=fleet)
    ).status_code == 200
    refused = await service.http.post(f"/v1/reservations/{block_id}/cancel", headers=fleet)
    assert refused.status_code == 403
    as_driver = await service.http.post(
        "/v1/reservations/blocks",
        json={"charge_point_id": cp_id, "connector_id": 1, **window(service.settings)},
        headers=headers,
    )
    assert as_driver.status_code == 403


async def test_unbookable_charge_points_and_connectors(service: Service) -> None:
    _, headers = driver()
    pending = await new_cp(service, approval="pending")
    retired = await new_cp(service, approval="retired")
    faulted = await new_cp(service)
    async with service.pool.acquire() as conn:
        await set_connector_status(conn, faulted, 1, "Faulted")
    expectations = [
        ({"charge_point_id": "CP-NOPE"}, 404),
        ({"charge_point_id": pending}, 409),
        ({"charge_point_id": retired}, 404),
        ({"charge_point_id": faulted, "connector_id": 1}, 409),
        ({"charge_point_id": faulted, "connector_id": 3}, 404),
    ]
    for body, expected in expectations:
        response = await service.http.post(
            "/v1/reservations", json={**body, **window(service.settings)}, headers=headers
        )
        assert response.status_code == expected, (body, response.text)
    # "Any connector" skips the faulted one.
    assert (await book(service, headers, faulted))["connector_id"] == 2


async def test_the_id_token_must_be_the_drivers_own_accepted_one(service: Service) -> None:
    cp_id = await new_cp(service)
    user_id, headers = driver()
    async with service.pool.acquire() as conn:
        own = await create_id_token(conn, user_id=user_id)
        blocked = await create_id_token(conn, user_id=user_id, decision="Blocked")
        foreign = await create_id_token(conn)
    for uid in (blocked, foreign, "UNKNOWN"):
        response = await service.http.post(
            "/v1/reservations",
            json={"charge_point_id": cp_id, "id_token": uid, **window(service.settings)},
            headers=headers,
        )
        assert response.status_code == 422, uid
    assert (await book(service, headers, cp_id, id_token=own))["status"] == "confirmed"
