"""Maintenance windows published by operations on operations.alerts.v1, over real Kafka:
availability offers nothing inside them, bookings inside are cancelled (reason `maintenance`,
published), and the events are applied idempotently and whatever their order."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.events.envelope import Envelope, EventPayload
from shared.events.operations import MaintenanceWindowEnded, MaintenanceWindowScheduled
from shared.events.topics import BOOKING_RESERVATIONS, OPERATIONS_ALERTS
from shared.kafka import create_producer
from tests.booking.support import (
    BOOTSTRAP,
    OPERATOR,
    Service,
    create_charge_point,
    driver,
    slot_start,
    wait_status,
)
from tests.connectivity.support import EventWatcher
from tests.helpers.polling import eventually

Span = tuple[datetime, datetime]


async def publish(payload: EventPayload, cp_id: str, *, time: datetime | None = None) -> Envelope:
    """What operations' relay publishes (keyed by charge point); `time` back-dates the envelope."""
    envelope = Envelope.wrap(payload, source="operations", subject=cp_id, correlation_id=None)
    if time is not None:
        envelope = envelope.model_copy(update={"time": time})
    await send(envelope, cp_id)
    return envelope


async def send(envelope: Envelope, cp_id: str) -> None:
    producer = create_producer(BOOTSTRAP, client_id="test-operations")
    await producer.start()
    try:
        await producer.send_and_wait(
            OPERATIONS_ALERTS.name, envelope.to_bytes(), key=cp_id.encode()
        )
    finally:
        await producer.stop()


def scheduled(
    window_id: str, cp_id: str, connector_id: int | None, start: datetime, end: datetime | None
) -> MaintenanceWindowScheduled:
    return MaintenanceWindowScheduled(
        window_id=window_id,
        work_order_id=window_id,
        charge_point_id=cp_id,
        connector_id=connector_id,
        starts_at=start,
        ends_at=end,
    )


def ended(window_id: str, cp_id: str, connector_id: int | None, at: datetime) -> EventPayload:
    return MaintenanceWindowEnded(
        window_id=window_id,
        work_order_id=window_id,
        charge_point_id=cp_id,
        connector_id=connector_id,
        ended_at=at,
    )


async def free(service: Service, cp_id: str, period: Span) -> dict[int, list[Span]]:
    response = await service.http.get(
        "/v1/availability",
        params={
            "charge_point_id": cp_id,
            "from": period[0].isoformat(),
            "to": period[1].isoformat(),
        },
        headers=driver()[1],
    )
    assert response.status_code == 200, response.text
    [charge_point] = response.json()["charge_points"]
    return {
        connector["connector_id"]: [
            (datetime.fromisoformat(w["starts_at"]), datetime.fromisoformat(w["ends_at"]))
            for w in connector["free"]
        ]
        for connector in charge_point["connectors"]
    }


async def until_free(service: Service, cp_id: str, period: Span, expected: dict[int, Any]) -> None:
    async def reached() -> bool:
        return await free(service, cp_id, period) == expected

    await eventually(reached, timeout=60)


async def test_operations_windows_close_slots_cancel_bookings_and_tolerate_order(
    service: Service,
) -> None:
    async with service.pool.acquire() as conn:
        cp_id = await create_charge_point(conn, connectors=2)
    day = slot_start(service.settings, timedelta(days=2))
    period = (day, day + timedelta(hours=8))
    hour = [day + timedelta(hours=h) for h in range(9)]
    _, headers = driver()
    booked = await service.http.post(
        "/v1/reservations",
        json={
            "charge_point_id": cp_id,
            "connector_id": 1,
            "starts_at": hour[2].isoformat(),
            "ends_at": hour[3].isoformat(),
        },
        headers=headers,
    )
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["id"]
    whole = [period]

    # A window on connector 1 over the booking: its slots close and the booking is cancelled.
    first = str(uuid.uuid4())
    async with EventWatcher(BOOKING_RESERVATIONS.name) as events:
        original = await publish(scheduled(first, cp_id, 1, hour[1], hour[4]), cp_id)
        await until_free(
            service, cp_id, period, {1: [(day, hour[1]), (hour[4], period[1])], 2: whole}
        )
        await wait_status(service, booking_id, "cancelled", timeout=60)
        [cancelled] = await events.wait_for("reservation.cancelled", cp_id, timeout=60)
    assert cancelled.data["reason"] == "maintenance"
    assert cancelled.data["reservation_id"] == booking_id
    assert cancelled.data["alternative"]["connector_id"] == 2  # the free connector, same time

    # Re-scheduled shorter (newer event): slots from 2 h on are offered again.
    await publish(scheduled(first, cp_id, 1, hour[1], hour[2]), cp_id)
    shorter = [(day, hour[1]), (hour[2], period[1])]
    await until_free(service, cp_id, period, {1: shorter, 2: whole})
    # The first schedule delivered again (same event) and an older one arriving late change
    # nothing: once a later window on the same key (same partition) is applied, connector 1
    # still has the shorter window.
    await send(original, cp_id)
    await publish(
        scheduled(first, cp_id, 1, hour[0], hour[8]),
        cp_id,
        time=original.time - timedelta(minutes=1),
    )
    marker = str(uuid.uuid4())
    await publish(scheduled(marker, cp_id, 2, hour[7], hour[8]), cp_id)
    await until_free(service, cp_id, period, {1: shorter, 2: [(day, hour[7])]})
    # Its end (work done before the window even started): connector 1 is fully free again.
    await publish(ended(first, cp_id, 1, hour[0]), cp_id)
    await until_free(service, cp_id, period, {1: whole, 2: [(day, hour[7])]})

    # The end of a whole-charger window arriving before its (open-ended) schedule: it holds
    # from its start to that end only.
    second = str(uuid.uuid4())
    await publish(ended(second, cp_id, None, hour[6]), cp_id)
    await publish(scheduled(second, cp_id, None, hour[5], None), cp_id)
    await until_free(
        service,
        cp_id,
        period,
        {1: [(day, hour[5]), (hour[6], period[1])], 2: [(day, hour[5]), (hour[6], hour[7])]},
    )

    # Operators see operations' windows and cannot delete them (operations ends them).
    listed = await service.http.get(
        "/v1/availability/maintenance-windows",
        params={"charge_point_id": cp_id},
        headers=OPERATOR,
    )
    assert listed.status_code == 200, listed.text
    windows = {w["operations_window_id"]: w for w in listed.json()}
    assert set(windows) == {marker, second}
    window = windows[second]
    assert window["source"] == "operations"
    assert datetime.fromisoformat(window["ends_at"]) == hour[6]
    refused = await service.http.delete(
        f"/v1/availability/maintenance-windows/{window['id']}", headers=OPERATOR
    )
    assert refused.status_code == 409, refused.text


async def test_an_open_ended_window_refuses_bookings_until_it_ends(service: Service) -> None:
    async with service.pool.acquire() as conn:
        cp_id = await create_charge_point(conn, connectors=1)
    day = slot_start(service.settings, timedelta(days=2))
    window_id = str(uuid.uuid4())
    await publish(scheduled(window_id, cp_id, 1, day - timedelta(days=1), None), cp_id)
    body = {
        "charge_point_id": cp_id,
        "connector_id": 1,
        "starts_at": day.isoformat(),
        "ends_at": (day + timedelta(hours=1)).isoformat(),
    }

    async def windows() -> list[dict[str, Any]]:
        response = await service.http.get(
            "/v1/availability/maintenance-windows",
            params={"charge_point_id": cp_id},
            headers=OPERATOR,
        )
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found

    async def applied() -> bool:
        return len(await windows()) == 1

    await eventually(applied, timeout=60)
    assert (await windows())[0]["ends_at"] is None
    refused = await service.http.post("/v1/reservations", json=body, headers=driver()[1])
    assert refused.status_code == 409, refused.text
    assert refused.json()["conflicting_window"]["ends_at"] is None

    await publish(ended(window_id, cp_id, 1, day - timedelta(hours=1)), cp_id)

    async def cut() -> bool:
        ends = [datetime.fromisoformat(w["ends_at"]) for w in await windows() if w["ends_at"]]
        return ends == [day - timedelta(hours=1)]

    await eventually(cut, timeout=60)
    accepted = await service.http.post("/v1/reservations", json=body, headers=driver()[1])
    assert accepted.status_code == 201, accepted.text
