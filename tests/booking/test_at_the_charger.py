"""End to end with a real connectivity service and simulated 1.6 and 2.0.1 chargers.

Booking learns the chargers from connectivity's registry events and the drivers' cards from
identity's topic, sends ReserveNow / CancelReservation through Kafka, and connectivity's
Authorize refuses other drivers' tokens on a booked connector, whether or not the charger
itself holds the reservation.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import call as call201

from services.booking.timeslots import ceil_slot
from shared.clock import ocpp_time as now
from tests.booking.support import (
    OPERATOR,
    connectivity_groups,
    driver,
    reservation_status,
    start_at_the_end,
    wait_status,
)
from tests.booking.support import Service as Booking
from tests.booking.support import running as running_booking
from tests.booking.support import settings_for as booking_settings
from tests.connectivity.clients import Charger16, charger, on
from tests.connectivity.support import Service as Connectivity
from tests.connectivity.support import new_charge_point, publish_id_token
from tests.connectivity.support import running as running_connectivity
from tests.connectivity.support import settings_for as connectivity_settings
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, unique

SLOT = timedelta(seconds=1)


class RejectingCharger16(Charger16):
    """A 1.6 charger without the Reservation feature's goodwill: it rejects every ReserveNow."""

    @on(Action16.reserve_now)
    async def reserve_now(self, **kwargs: Any) -> Any:
        self.received.append(("ReserveNow", kwargs))
        return result16.ReserveNow(status="Rejected")


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[tuple[Connectivity, Booking]]:
    conn_dsn = await fresh_database("test_booking_at_charger_conn")
    booking_dsn = await fresh_database("test_booking_at_charger")
    connectivity_config = connectivity_settings(conn_dsn, replica_heartbeat_s=0.2)
    await start_at_the_end(
        connectivity_groups(
            connectivity_config.consumer_group_suffix, connectivity_config.replica_id
        )
    )
    async with (
        running_booking(
            booking_settings(
                booking_dsn,
                slot=SLOT,
                min_lead_time=timedelta(0),
                reserve_ahead=timedelta(minutes=5),
                grace_period=timedelta(minutes=5),
                cancellation_deadline=timedelta(0),
            )
        ) as booking,
        running_connectivity(connectivity_config) as conn,
    ):
        yield conn, booking


async def known_to_booking(booking: Booking, cp_id: str) -> None:
    async def known() -> bool:
        return bool(
            await booking.pool.fetchval(
                "select 1 from charge_points where id = $1 and approval = 'approved'", cp_id
            )
        )

    await eventually(known, timeout=60)


async def card(conn: Connectivity, booking: Booking, user_id: str) -> str:
    uid = unique("CARD")
    await publish_id_token(conn, uid, user_id=user_id)

    async def arrived() -> bool:
        return bool(
            await booking.pool.fetchval("select 1 from driver_id_tokens where uid = $1", uid)
        )

    await eventually(arrived, timeout=60)
    return uid


def soon(seconds: float, length: float = 120) -> dict[str, str]:
    start = ceil_slot(datetime.now(UTC) + timedelta(seconds=seconds), SLOT)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(seconds=length)).isoformat(),
    }


async def book(booking: Booking, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await booking.http.post("/v1/reservations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def held_on_platform(conn: Connectivity, reservation_id: str) -> None:
    async def mirrored() -> bool:
        return bool(
            await conn.pool.fetchval(
                "select holding from booking_holds where reservation_id = $1", reservation_id
            )
        )

    await eventually(mirrored, timeout=60)


async def hold_is(booking: Booking, reservation_id: str, hold: str) -> None:
    async def reached() -> bool:
        return (await reservation_status(booking, reservation_id))["charger_hold"] == hold

    await eventually(reached, timeout=60)


def received(client: Any, action: str) -> list[dict[str, Any]]:
    return [kwargs for name, kwargs in client.received if name == action]


@contextlib.asynccontextmanager
async def connected(
    conn: Connectivity, cp_id: str, password: str, version: str, kind: type[Any] | None = None
) -> AsyncIterator[Any]:
    if kind is None:
        async with charger(conn.ocpp_url, cp_id, password, version) as client:
            yield client
        return
    from tests.connectivity import clients

    original = clients.CHARGER_TYPES[version]
    clients.CHARGER_TYPES[version] = kind
    try:
        async with charger(conn.ocpp_url, cp_id, password, version) as client:
            yield client
    finally:
        clients.CHARGER_TYPES[version] = original


async def start16(client: Any, connector_id: int, tag: str) -> str:
    answer = await client.call(
        call16.StartTransaction(
            connector_id=connector_id, id_tag=tag, meter_start=0, timestamp=now()
        )
    )
    return str(answer.id_tag_info["status"])


async def start201(client: Any, evse_id: int, tag: str) -> str:
    answer = await client.call(
        call201.TransactionEvent(
            event_type="Started",
            timestamp=now(),
            trigger_reason="Authorized",
            seq_no=0,
            transaction_info={"transactionId": unique("tx")},
            evse={"id": evse_id, "connectorId": 1},
            id_token={"idToken": tag, "type": "ISO14443"},
        )
    )
    return str(answer.id_token_info["status"])


async def test_1_6_and_2_0_1_chargers_hold_bookings_and_refuse_other_drivers(
    stack: tuple[Connectivity, Booking],
) -> None:
    conn, booking = stack
    cp16, pw16 = await new_charge_point(conn, ocpp_version="1.6", connectors=2)
    cp201, pw201 = await new_charge_point(conn, ocpp_version="2.0.1", connectors=2)
    await known_to_booking(booking, cp16)
    await known_to_booking(booking, cp201)
    alice, alice_headers = driver()
    bob, _ = driver()
    alice16, alice201 = await card(conn, booking, alice), await card(conn, booking, alice)
    bob_card = await card(conn, booking, bob)

    async with (
        connected(conn, cp16, pw16, "1.6") as charger16,
        connected(conn, cp201, pw201, "2.0.1") as charger201,
    ):
        window = soon(4)
        first = await book(
            booking, alice_headers, charge_point_id=cp16, connector_id=1, id_token=alice16, **window
        )
        second = await book(
            booking,
            alice_headers,
            charge_point_id=cp201,
            connector_id=1,
            id_token=alice201,
            **window,
        )
        await hold_is(booking, first["id"], "held")
        await hold_is(booking, second["id"], "held")
        [reserve16] = received(charger16, "ReserveNow")
        assert reserve16["connector_id"] == 1 and reserve16["id_tag"] == alice16
        [reserve201] = received(charger201, "ReserveNow")
        assert reserve201["evse_id"] == 1 and reserve201["id_token"]["id_token"] == alice201
        assert "connector_id" not in reserve201

        await wait_status(booking, first["id"], "active")
        await held_on_platform(conn, first["id"])
        await held_on_platform(conn, second["id"])
        assert await start16(charger16, 1, bob_card) == "Invalid"
        assert await start201(charger201, 1, bob_card) == "Invalid"
        # The other connector / EVSE is not booked.
        assert await start16(charger16, 2, bob_card) == "Accepted"
        assert await start16(charger16, 1, alice16) == "Accepted"
        assert await start201(charger201, 1, alice201) == "Accepted"
        await wait_status(booking, first["id"], "fulfilled")
        await wait_status(booking, second["id"], "fulfilled")

        # Cancelling sends CancelReservation to either version.
        later = soon(60)
        for client, cp_id in ((charger16, cp16), (charger201, cp201)):
            third = await book(
                booking, alice_headers, charge_point_id=cp_id, connector_id=2, **later
            )
            await hold_is(booking, third["id"], "held")
            cancelled = await booking.http.post(
                f"/v1/reservations/{third['id']}/cancel", headers=alice_headers
            )
            assert cancelled.status_code == 200
            await hold_is(booking, third["id"], "released")
            reserved = received(client, "ReserveNow")[-1]
            [cancel] = received(client, "CancelReservation")
            assert cancel["reservation_id"] == reserved.get("reservation_id", reserved.get("id"))


async def test_a_charger_that_rejects_or_is_offline_is_still_enforced_by_authorize(
    stack: tuple[Connectivity, Booking],
) -> None:
    conn, booking = stack
    rejecting, pw_rejecting = await new_charge_point(conn, ocpp_version="1.6", connectors=1)
    offline, pw_offline = await new_charge_point(conn, ocpp_version="1.6", connectors=1)
    await known_to_booking(booking, rejecting)
    await known_to_booking(booking, offline)
    alice, alice_headers = driver()
    bob, _ = driver()
    alice_card = await card(conn, booking, alice)
    bob_card = await card(conn, booking, bob)

    async with connected(conn, rejecting, pw_rejecting, "1.6", RejectingCharger16) as client:
        booked = await book(booking, alice_headers, charge_point_id=rejecting, **soon(3))
        await hold_is(booking, booked["id"], "rejected")
        assert received(client, "ReserveNow")
        await wait_status(booking, booked["id"], "active")
        await held_on_platform(conn, booked["id"])
        assert await start16(client, 1, bob_card) == "Invalid"
        assert await start16(client, 1, alice_card) == "Accepted"
        await wait_status(booking, booked["id"], "fulfilled")

    # Offline while ReserveNow is sent; the booking stays, and is enforced once it connects.
    alice_card = await card(conn, booking, alice)  # the first one is charging elsewhere
    booked = await book(
        booking, alice_headers, charge_point_id=offline, id_token=alice_card, **soon(3)
    )
    await hold_is(booking, booked["id"], "offline")
    assert (await reservation_status(booking, booked["id"]))["status"] in ("confirmed", "active")
    await wait_status(booking, booked["id"], "active")
    await held_on_platform(conn, booked["id"])
    async with connected(conn, offline, pw_offline, "1.6") as client:
        assert await start16(client, 1, bob_card) == "Invalid"
        # Once it is back, ReserveNow is sent again and the charger holds the booking too.
        await hold_is(booking, booked["id"], "held")
        assert received(client, "ReserveNow")[0]["id_tag"] == alice_card
        assert await start16(client, 1, alice_card) == "Accepted"


async def test_an_operator_block_refuses_everyone_but_its_fleet_account(
    stack: tuple[Connectivity, Booking],
) -> None:
    conn, booking = stack
    cp_id, password = await new_charge_point(conn, ocpp_version="1.6", connectors=2)
    await known_to_booking(booking, cp_id)
    fleet, _ = driver()
    walk_in, _ = driver()
    fleet_card = await card(conn, booking, fleet)
    walk_in_card = await card(conn, booking, walk_in)
    blocks = []
    for connector_id, user_id in ((1, None), (2, fleet)):
        response = await booking.http.post(
            "/v1/reservations/blocks",
            json={
                "charge_point_id": cp_id,
                "connector_id": connector_id,
                "user_id": user_id,
                **soon(2),
            },
            headers=OPERATOR,
        )
        assert response.status_code == 201, response.text
        blocks.append(response.json()["id"])
    for block_id in blocks:
        await wait_status(booking, block_id, "active")
        await held_on_platform(conn, block_id)
    async with connected(conn, cp_id, password, "1.6") as client:
        assert await start16(client, 1, walk_in_card) == "Invalid"
        assert await start16(client, 1, fleet_card) == "Invalid"
        assert await start16(client, 2, walk_in_card) == "Invalid"
        assert await start16(client, 2, fleet_card) == "Accepted"
    # Blocks are platform-only: no ReserveNow without a driver's token.
    for block_id in blocks:
        assert (await reservation_status(booking, block_id))["charger_hold"] == "not_sent"
