"""Commands from other services over Kafka carry who asked, and run only if their scopes allow."""

from __future__ import annotations

import uuid
from typing import Any

from shared.events.commands import CommandRequested
from shared.events.envelope import Envelope
from shared.events.topics import CONNECTIVITY_COMMAND_RESULTS, CONNECTIVITY_COMMANDS
from shared.kafka import create_producer
from tests.connectivity.clients import charger
from tests.connectivity.support import (
    BOOTSTRAP,
    EventWatcher,
    Service,
    auth,
    new_charge_point,
)
from tests.connectivity.test_commands import COMMANDS_16

SETTINGS = {"replica_heartbeat_s": 0.2}


async def publish_command(
    cp_id: str, action: str, payload: dict[str, Any], scopes: list[str]
) -> str:
    """A command as booking or payment publishes it, as their own service account."""
    command_id = str(uuid.uuid4())
    event = CommandRequested(
        command_id=command_id,
        charge_point_id=cp_id,
        action=action,
        payload=payload,
        timeout_s=20,
        requested_by="svc-booking",
        requested_scopes=scopes,
    )
    envelope = Envelope.wrap(event, source="booking", subject=command_id, correlation_id=None)
    producer = create_producer(BOOTSTRAP, client_id="test-booking")
    await producer.start()
    try:
        await producer.send_and_wait(event.topic.name, envelope.to_bytes(), key=cp_id.encode())
    finally:
        await producer.stop()
    return command_id


async def test_a_command_from_another_service_beyond_its_scopes_is_refused_and_never_sent(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service)
    async with (
        EventWatcher(CONNECTIVITY_COMMAND_RESULTS.name) as results,
        charger(service.ocpp_url, cp_id, password) as cp,
    ):
        # Booking may reserve, not start a charge or flash firmware.
        started = await publish_command(
            cp_id,
            "RemoteStartTransaction",
            COMMANDS_16["RemoteStartTransaction"],
            ["commands:reserve"],
        )
        firmware = await publish_command(cp_id, "UpdateFirmware", COMMANDS_16["UpdateFirmware"], [])
        reserved = await publish_command(
            cp_id, "ReserveNow", COMMANDS_16["ReserveNow"], ["commands:reserve"]
        )
        # Payment may stop a session, not a transaction the platform has never seen.
        stopped = await publish_command(
            cp_id, "RemoteStopTransaction", {"transactionId": 999}, ["commands:start"]
        )
        done = await results.wait_for("command.completed", cp_id, count=4)
        received = [action for action, _ in cp.received]
    outcomes = {e.data["command_id"]: e.data["outcome"] for e in done}
    assert outcomes == {
        started: "Refused",
        firmware: "Refused",
        reserved: "Answered",
        stopped: "Refused",
    }
    assert received == ["ReserveNow"]
    row = await service.pool.fetchrow(
        "select status, requested_by, error from commands where id = $1", uuid.UUID(started)
    )
    assert row["status"] == "Refused" and row["requested_by"] == "svc-booking"
    assert "RemoteStartTransaction" in row["error"]


async def test_a_rest_command_event_carries_who_asked_and_their_scopes(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    payment = auth("svc-payment", "service", scopes=("commands:start",))
    async with (
        EventWatcher(CONNECTIVITY_COMMANDS.name) as requested,
        charger(service.ocpp_url, cp_id, password),
    ):
        answer = await service.http.post(
            f"/v1/charge-points/{cp_id}/commands",
            json={
                "action": "RemoteStartTransaction",
                "payload": COMMANDS_16["RemoteStartTransaction"],
            },
            headers=payment,
        )
        assert answer.json()["status"] == "Answered", answer.text
        event = (await requested.wait_for("command.requested", cp_id))[0]
    assert event.data["requested_by"] == "svc-payment"
    assert event.data["requested_scopes"] == ["commands:start"]
