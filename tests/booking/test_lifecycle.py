"""The lifecycle over real Kafka: ReserveNow ahead of the window and its answer, activation,
fulfilment from session.started, no-show with what payment needs, faults, retirement, blocks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.booking.timeslots import ceil_slot
from shared.events.chargepoints import (
    ChargePointLocation,
    ChargePointRegistered,
    ConnectorStatusChanged,
)
from shared.events.charging import SessionStarted
from shared.events.commands import CommandCompleted
from shared.events.identity import IdTokenDecisionChanged
from shared.events.topics import BOOKING_RESERVATIONS, CONNECTIVITY_COMMANDS
from tests.booking.support import (
    OPERATOR,
    Service,
    create_charge_point,
    driver,
    publish_event,
    reservation_status,
    wait_status,
)
from tests.connectivity.support import EventWatcher
from tests.helpers.polling import eventually
from tests.helpers.stack import unique

SETTINGS = {
    "slot": timedelta(seconds=1),
    "min_lead_time": timedelta(0),
    "grace_period": timedelta(seconds=3),
    # ReserveNow goes out as soon as a booking starting within a minute is made.
    "reserve_ahead": timedelta(seconds=60),
    "cancellation_deadline": timedelta(seconds=1),
    "fault_cancel_horizon": timedelta(minutes=10),
    "tick_interval_s": 0.2,
}


def soon(seconds: float, length: float = 30) -> dict[str, str]:
    start = ceil_slot(datetime.now(UTC) + timedelta(seconds=seconds), timedelta(seconds=1))
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(seconds=length)).isoformat(),
    }


async def new_cp(service: Service, **overrides: Any) -> str:
    async with service.pool.acquire() as conn:
        return await create_charge_point(conn, **overrides)


async def book(service: Service, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await service.http.post("/v1/reservations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def token_of(service: Service, user_id: str) -> str:
    """The driver's card, through identity's real topic."""
    uid = unique("TAG")
    await publish_event(
        IdTokenDecisionChanged(uid=uid, kind="rfid", user_id=user_id, decision="Accepted"), uid
    )

    async def arrived() -> bool:
        return bool(
            await service.pool.fetchval("select 1 from driver_id_tokens where uid = $1", uid)
        )

    await eventually(arrived, timeout=60)
    return uid


async def test_reserve_now_goes_out_ahead_and_the_answer_sets_the_charger_hold(
    service: Service,
) -> None:
    cp16 = await new_cp(service, ocpp_version="1.6", connectors=2)
    cp201 = await new_cp(service, ocpp_version="2.0.1", connectors=2)
    user_id, headers = driver()
    uid = await token_of(service, user_id)
    async with EventWatcher(CONNECTIVITY_COMMANDS.name, BOOKING_RESERVATIONS.name) as events:
        first = await book(service, headers, charge_point_id=cp16, connector_id=2, **soon(30, 60))
        second = await book(service, headers, charge_point_id=cp201, connector_id=2, **soon(30, 60))
        [reserve16] = await events.wait_for("command.requested", cp16)
        [reserve201] = await events.wait_for("command.requested", cp201)
    for command, booking in ((reserve16, first), (reserve201, second)):
        assert command.data["action"] == "ReserveNow"
        assert command.data["requested_by"] == service.settings.service_account
        assert (await reservation_status(service, booking["id"]))["charger_hold"] == "pending"
    assert reserve16.data["payload"]["connectorId"] == 2
    assert reserve16.data["payload"]["idTag"] == uid
    assert "evseId" not in reserve16.data["payload"]
    assert reserve201.data["payload"]["evseId"] == 2
    assert reserve201.data["payload"]["idToken"]["idToken"] == uid
    assert "connectorId" not in reserve201.data["payload"]
    assert datetime.fromisoformat(
        reserve16.data["payload"]["expiryDate"].replace("Z", "+00:00")
    ) == datetime.fromisoformat(first["ends_at"])

    async with EventWatcher(BOOKING_RESERVATIONS.name) as events:
        for command, answer in ((reserve16, "Accepted"), (reserve201, "Occupied")):
            await publish_event(
                CommandCompleted(
                    command_id=command.data["command_id"],
                    charge_point_id=command.data["charge_point_id"],
                    action="ReserveNow",
                    outcome="Answered",
                    response={"status": answer},
                    at=datetime.now(UTC),
                ),
                command.data["charge_point_id"],
                source="connectivity",
            )
        await events.wait_for("reservation.charger-hold-changed", first["id"])
        await events.wait_for("reservation.charger-hold-changed", second["id"])
    assert (await reservation_status(service, first["id"]))["charger_hold"] == "held"
    assert (await reservation_status(service, second["id"]))["charger_hold"] == "rejected"
    # Rejected by the charger, still valid on the platform side.
    assert (await reservation_status(service, second["id"]))["status"] in ("confirmed", "active")

    async with EventWatcher(CONNECTIVITY_COMMANDS.name) as events:
        cancelled = await service.http.post(
            f"/v1/reservations/{first['id']}/cancel", headers=headers
        )
        assert cancelled.json()["status"] == "cancelled"
        [cancel] = await events.wait_for("command.requested", cp16)
    assert cancel.data["action"] == "CancelReservation"
    assert cancel.data["payload"] == {"reservationId": reserve16.data["payload"]["reservationId"]}
    await publish_event(
        CommandCompleted(
            command_id=cancel.data["command_id"],
            charge_point_id=cp16,
            action="CancelReservation",
            outcome="Answered",
            response={"status": "Accepted"},
            at=datetime.now(UTC),
        ),
        cp16,
        source="connectivity",
    )

    async def released() -> bool:
        return (await reservation_status(service, first["id"]))["charger_hold"] == "released"

    await eventually(released, timeout=30)


async def test_a_driver_without_a_token_is_held_on_the_platform_only(service: Service) -> None:
    cp_id = await new_cp(service)
    _, headers = driver()
    booking = await book(service, headers, charge_point_id=cp_id, **soon(2))

    async def decided() -> bool:
        return (await reservation_status(service, booking["id"]))["charger_hold"] == "no_token"

    await eventually(decided, timeout=30)


async def test_no_show_after_the_grace_period_carries_what_payment_needs(service: Service) -> None:
    cp_id = await new_cp(service)
    user_id, headers = driver()
    async with EventWatcher(BOOKING_RESERVATIONS.name) as events:
        booking = await book(service, headers, charge_point_id=cp_id, connector_id=1, **soon(1, 20))
        await wait_status(service, booking["id"], "no_show")
        [no_show] = await events.wait_for("reservation.no-show", booking["id"])
        assert events.of("reservation.activated", booking["id"])
        assert events.of("reservation.confirmed", booking["id"])
    assert no_show.subject == booking["id"]
    data = no_show.data
    assert data["user_id"] == user_id
    assert data["charge_point_id"] == cp_id and data["connector_id"] == 1
    assert data["reservation_id"] == booking["id"]
    assert data["grace_s"] == 3 and data["booked_duration_s"] == 20
    assert data["status"] == "no_show"
    # The rest of the window is free again.
    _, other = driver()
    rebooked = await service.http.post(
        "/v1/reservations",
        json={"charge_point_id": cp_id, "connector_id": 1, **soon(1, 5)},
        headers=other,
    )
    assert rebooked.status_code == 201, rebooked.text


async def test_the_drivers_session_fulfils_the_booking(service: Service) -> None:
    cp_id = await new_cp(service, connectors=2)
    user_id, headers = driver()
    booking = await book(service, headers, charge_point_id=cp_id, connector_id=2, **soon(1))
    someone_else = SessionStarted(
        session_id=str(uuid.uuid4()),
        charge_point_id=cp_id,
        connector_id=2,
        transaction_id="1",
        id_tag="OTHER",
        user_id="another-driver",
        authorization="Accepted",
        started_at=datetime.now(UTC),
        meter_start_wh=0,
    )
    session_id = str(uuid.uuid4())
    theirs = someone_else.model_copy(
        update={"session_id": session_id, "user_id": user_id, "id_tag": "MINE"}
    )
    async with EventWatcher(BOOKING_RESERVATIONS.name) as events:
        await publish_event(someone_else, cp_id, source="connectivity")
        await publish_event(theirs, cp_id, source="connectivity")
        await wait_status(service, booking["id"], "fulfilled")
        [fulfilled] = await events.wait_for("reservation.fulfilled", booking["id"])
    assert fulfilled.data["session_id"] == session_id
    assert (await reservation_status(service, booking["id"]))["session_id"] == session_id


async def test_a_faulted_connector_cancels_its_bookings_and_offers_the_nearest_alternative(
    service: Service,
) -> None:
    # Far from the other test charge points: the alternative is on this one.
    cp_id = await new_cp(service, connectors=2, latitude=-33.87, longitude=151.21, site_name=None)
    _, first = driver()
    _, second = driver()
    _, third = driver()
    # Too close to now for the same length to fit before it: the nearest is right after.
    booked = soon(30, 60)
    near = await book(service, first, charge_point_id=cp_id, connector_id=1, **booked)
    other_connector = await book(service, second, charge_point_id=cp_id, connector_id=2, **booked)
    later_start = datetime.now(UTC) + timedelta(hours=5)
    far = await book(
        service,
        third,
        charge_point_id=cp_id,
        connector_id=1,
        starts_at=ceil_slot(later_start, timedelta(seconds=1)).isoformat(),
        ends_at=ceil_slot(later_start + timedelta(minutes=1), timedelta(seconds=1)).isoformat(),
    )
    async with EventWatcher(BOOKING_RESERVATIONS.name) as events:
        await publish_event(
            ConnectorStatusChanged(
                charge_point_id=cp_id,
                connector_id=1,
                status="Faulted",
                error_code="GroundFailure",
                at=datetime.now(UTC),
            ),
            cp_id,
            source="connectivity",
        )
        await wait_status(service, near["id"], "cancelled")
        [cancelled] = await events.wait_for("reservation.cancelled", near["id"])
    assert cancelled.data["reason"] == "connector_faulted"
    alternative = cancelled.data["alternative"]
    # Connector 2 is taken for that window, so the nearest start on it is right after.
    assert alternative["charge_point_id"] == cp_id and alternative["connector_id"] == 2
    assert datetime.fromisoformat(alternative["starts_at"]) == datetime.fromisoformat(
        other_connector["ends_at"]
    )
    assert datetime.fromisoformat(alternative["ends_at"]) - datetime.fromisoformat(
        alternative["starts_at"]
    ) == timedelta(seconds=60)
    status = await reservation_status(service, near["id"])
    assert status["cancel_reason"] == "connector_faulted" and status["alternative"]
    # Beyond the fault horizon and on the healthy connector, bookings stay.
    assert (await reservation_status(service, far["id"]))["status"] == "confirmed"
    assert (await reservation_status(service, other_connector["id"]))["status"] == "confirmed"


async def test_registry_events_make_charge_points_bookable_and_retirement_cancels(
    service: Service,
) -> None:
    cp_id = unique("CP-REG")
    registered = ChargePointRegistered(
        charge_point_id=cp_id,
        ocpp_version="2.0.1",
        vendor="V",
        model="M",
        serial_number=None,
        firmware_version=None,
        connectors=2,
        location=ChargePointLocation(site_name="Reg site", latitude=59.0, longitude=18.0),
        approval="approved",
    )
    await publish_event(registered, cp_id, source="connectivity")

    async def known() -> bool:
        return bool(await service.pool.fetchval("select 1 from charge_points where id = $1", cp_id))

    await eventually(known, timeout=60)
    _, headers = driver()
    booking = await book(service, headers, charge_point_id=cp_id, **soon(120))
    await publish_event(
        registered.model_copy(update={"approval": "retired"}), cp_id, source="connectivity"
    )
    await wait_status(service, booking["id"], "cancelled")
    assert (await reservation_status(service, booking["id"]))[
        "cancel_reason"
    ] == "charge_point_retired"


async def test_a_block_ends_with_its_window(service: Service) -> None:
    cp_id = await new_cp(service)
    response = await service.http.post(
        "/v1/reservations/blocks",
        json={"charge_point_id": cp_id, "connector_id": 1, **soon(1, 2)},
        headers=OPERATOR,
    )
    assert response.status_code == 201, response.text
    await wait_status(service, response.json()["id"], "ended")


async def test_a_whole_charger_going_unavailable_offers_a_charger_at_the_same_site(
    service: Service,
) -> None:
    site = unique("site")
    cp_id = await new_cp(service, connectors=2, site_name=site, latitude=10.0, longitude=10.0)
    neighbour = await new_cp(service, connectors=1, site_name=site, latitude=10.0, longitude=10.001)
    _, first = driver()
    _, second = driver()
    booked = soon(30, 60)
    one = await book(service, first, charge_point_id=cp_id, connector_id=1, **booked)
    two = await book(service, second, charge_point_id=cp_id, connector_id=2, **booked)
    async with EventWatcher(BOOKING_RESERVATIONS.name) as events:
        await publish_event(
            ConnectorStatusChanged(
                charge_point_id=cp_id, connector_id=0, status="Unavailable", at=datetime.now(UTC)
            ),
            cp_id,
            source="connectivity",
        )
        await wait_status(service, one["id"], "cancelled")
        await wait_status(service, two["id"], "cancelled")
        cancelled = [
            *await events.wait_for("reservation.cancelled", one["id"]),
            *await events.wait_for("reservation.cancelled", two["id"]),
        ]
    assert {e.data["reason"] for e in cancelled} == {"connector_unavailable"}
    offers = [e.data["alternative"] for e in cancelled]
    # The neighbour's one connector is offered at the booked time to one driver only; the
    # other gets the nearest other start there.
    assert all(offer["charge_point_id"] == neighbour for offer in offers)
    starts = sorted(datetime.fromisoformat(offer["starts_at"]) for offer in offers)
    assert starts[0] == datetime.fromisoformat(one["starts_at"])
    assert starts[1] != starts[0]


async def test_a_charger_reporting_fewer_connectors_cancels_bookings_on_the_ones_gone(
    service: Service,
) -> None:
    cp_id = unique("CP-SHRINK")
    registered = ChargePointRegistered(
        charge_point_id=cp_id,
        ocpp_version="1.6",
        vendor=None,
        model=None,
        serial_number=None,
        firmware_version=None,
        connectors=2,
        location=ChargePointLocation(),
        approval="approved",
    )
    await publish_event(registered, cp_id, source="connectivity")

    async def known() -> bool:
        return bool(await service.pool.fetchval("select 1 from charge_points where id = $1", cp_id))

    await eventually(known, timeout=60)
    _, headers = driver()
    kept = await book(service, headers, charge_point_id=cp_id, connector_id=1, **soon(120))
    gone = await book(service, headers, charge_point_id=cp_id, connector_id=2, **soon(120))
    await publish_event(
        registered.model_copy(update={"connectors": 1}), cp_id, source="connectivity"
    )
    await wait_status(service, gone["id"], "cancelled")
    assert (await reservation_status(service, gone["id"]))[
        "cancel_reason"
    ] == "connector_unavailable"
    assert (await reservation_status(service, kept["id"]))["status"] == "confirmed"
