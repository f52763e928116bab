"""Remote commands of both versions, routed over Kafka to whichever replica holds the charger."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.v16 import call

from shared.events.commands import CommandRequested
from shared.events.envelope import Envelope
from shared.events.topics import CONNECTIVITY_COMMAND_RESULTS
from shared.kafka import create_producer
from tests.connectivity.clients import charger, raw
from tests.connectivity.support import (
    BOOTSTRAP,
    OPERATOR,
    EventWatcher,
    Service,
    new_charge_point,
    publish_id_token,
    running,
    settings_for,
)
from tests.helpers.stack import unique

SETTINGS = {"replica_heartbeat_s": 0.2}

TOMORROW = "2030-01-01T00:00:00Z"
COMMANDS_16: dict[str, dict[str, Any]] = {
    "RemoteStartTransaction": {"idTag": "T1", "connectorId": 1},
    "RemoteStopTransaction": {"transactionId": 1},
    "Reset": {"type": "Soft"},
    "UnlockConnector": {"connectorId": 1},
    "ChangeAvailability": {"connectorId": 1, "type": "Inoperative"},
    "ChangeConfiguration": {"key": "HeartbeatInterval", "value": "30"},
    "GetConfiguration": {"key": ["HeartbeatInterval"]},
    "ClearCache": {},
    "DataTransfer": {"vendorId": "Ladda", "messageId": "ping"},
    "GetDiagnostics": {"location": "ftp://example.com/diagnostics"},
    "UpdateFirmware": {"location": "https://example.com/fw.bin", "retrieveDate": TOMORROW},
    "GetLocalListVersion": {},
    "SendLocalList": {
        "listVersion": 4,
        "updateType": "Full",
        "localAuthorizationList": [{"idTag": "T1", "idTagInfo": {"status": "Accepted"}}],
    },
    "ReserveNow": {"connectorId": 1, "expiryDate": TOMORROW, "idTag": "T1", "reservationId": 7},
    "CancelReservation": {"reservationId": 7},
    "TriggerMessage": {"requestedMessage": "StatusNotification", "connectorId": 1},
    "SetChargingProfile": {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.1}],
            },
        },
    },
    "ClearChargingProfile": {"id": 1},
    "GetCompositeSchedule": {"connectorId": 1, "duration": 3600},
}
TOKEN_201 = {"idToken": "T1", "type": "ISO14443"}
COMMANDS_201: dict[str, dict[str, Any]] = {
    "RequestStartTransaction": {"idToken": TOKEN_201, "remoteStartId": 1},
    "RequestStopTransaction": {"transactionId": "tx-1"},
    "Reset": {"type": "Immediate"},
    "ChangeAvailability": {"operationalStatus": "Inoperative"},
    "UnlockConnector": {"evseId": 1, "connectorId": 1},
    "ReserveNow": {"id": 8, "expiryDateTime": TOMORROW, "idToken": TOKEN_201},
    "CancelReservation": {"reservationId": 8},
    "TriggerMessage": {"requestedMessage": "Heartbeat"},
    "GetVariables": {
        "getVariableData": [
            {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
        ]
    },
    "SetVariables": {
        "setVariableData": [
            {
                "attributeValue": "30",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            }
        ]
    },
    "GetBaseReport": {"requestId": 1, "reportBase": "FullInventory"},
    "UpdateFirmware": {
        "requestId": 1,
        "firmware": {"location": "https://example.com/fw", "retrieveDateTime": TOMORROW},
    },
    "DataTransfer": {"vendorId": "Ladda"},
}


@pytest.fixture(scope="module")
async def other_replica(service: Service) -> AsyncIterator[Service]:
    """A second replica of the service on the same database, with its own ports and groups."""
    async with running(settings_for(service.dsn, replica_heartbeat_s=0.2)) as replica:
        yield replica


async def send(
    service: Service, cp_id: str, action: str, payload: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    response = await service.http.post(
        f"/v1/charge-points/{cp_id}/commands",
        json={"action": action, "payload": payload, **extra},
        headers=OPERATOR,
    )
    assert response.status_code in (200, 202), response.text
    body: dict[str, Any] = response.json()
    return body


async def test_every_16_command_reaches_a_charger_on_the_other_replica(
    service: Service, other_replica: Service
) -> None:
    cp_id, password = await new_charge_point(service)
    async with (
        EventWatcher(CONNECTIVITY_COMMAND_RESULTS.name) as results,
        charger(other_replica.ocpp_url, cp_id, password) as cp,
    ):
        for action, payload in COMMANDS_16.items():
            result = await send(service, cp_id, action, payload)
            assert result["status"] == "Answered", (action, result)
        assert [a for a, _ in cp.received] == list(COMMANDS_16)
        assert (await send(service, cp_id, "GetConfiguration", {}))["response"]["configurationKey"][
            0
        ]["key"] == "HeartbeatInterval"
        await results.wait_for("command.completed", cp_id, count=len(COMMANDS_16))


async def test_every_201_command_reaches_the_charger(
    service: Service, other_replica: Service
) -> None:
    cp_id, password = await new_charge_point(service, ocpp_version="2.0.1")
    async with charger(other_replica.ocpp_url, cp_id, password, "2.0.1") as cp:
        for action, payload in COMMANDS_201.items():
            result = await send(other_replica, cp_id, action, payload)
            assert result["status"] == "Answered", (action, result)
        assert [a for a, _ in cp.received] == list(COMMANDS_201)
        variables = await send(service, cp_id, "GetVariables", COMMANDS_201["GetVariables"])
        assert variables["response"]["getVariableResult"][0]["attributeValue"] == "60"


async def test_command_to_an_offline_charger_answers_offline_promptly(service: Service) -> None:
    cp_id, _ = await new_charge_point(service)
    started = asyncio.get_running_loop().time()
    result = await send(service, cp_id, "Reset", {"type": "Hard"})
    assert result["status"] == "Offline"
    assert asyncio.get_running_loop().time() - started < 2


async def test_commands_are_validated_against_the_charger_version(service: Service) -> None:
    cp_id, _ = await new_charge_point(service)
    wrong_version = await service.http.post(
        f"/v1/charge-points/{cp_id}/commands",
        json={"action": "GetVariables", "payload": COMMANDS_201["GetVariables"]},
        headers=OPERATOR,
    )
    assert wrong_version.status_code == 422
    bad_payload = await service.http.post(
        f"/v1/charge-points/{cp_id}/commands",
        json={"action": "Reset", "payload": {"type": "Gentle"}},
        headers=OPERATOR,
    )
    assert bad_payload.status_code == 422
    missing = await service.http.post(
        "/v1/charge-points/NOPE/commands",
        json={"action": "Reset", "payload": {"type": "Soft"}},
        headers=OPERATOR,
    )
    assert missing.status_code == 404


async def test_unanswered_command_times_out_and_a_callerror_is_reported(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with charger(service.ocpp_url, cp_id, password) as cp:
        cp.silent = True
        timed_out = await send(service, cp_id, "Reset", {"type": "Soft"}, timeout_s=1)
        assert timed_out["status"] == "Timeout"
    erroring_cp, erroring_pw = await new_charge_point(service)
    async with raw(service.ocpp_url, erroring_cp, erroring_pw) as ws:
        await ws.send('[2, "hb", "Heartbeat", {}]')
        await asyncio.wait_for(ws.recv(), 5)
        pending = asyncio.create_task(send(service, erroring_cp, "ClearCache", {}))
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert frame[2] == "ClearCache"
        await ws.send(json.dumps([4, frame[1], "NotSupported", "no cache here", {}]))
        result = await pending
    assert result["status"] == "CallError" and "NotSupported" in result["error"]


async def test_command_without_waiting_is_polled_by_id(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with charger(service.ocpp_url, cp_id, password):
        accepted = await send(service, cp_id, "ClearCache", {}, wait=False)
        assert accepted["status"] == "Pending"
        for _ in range(200):
            polled = await service.http.get(
                f"/v1/charge-points/{cp_id}/commands/{accepted['id']}", headers=OPERATOR
            )
            if polled.json()["status"] != "Pending":
                break
            await asyncio.sleep(0.05)
    assert polled.json()["status"] == "Answered"
    listed = await service.http.get(f"/v1/charge-points/{cp_id}/commands", headers=OPERATOR)
    assert [c["id"] for c in listed.json()] == [accepted["id"]]


async def test_reserved_connector_accepts_only_the_reserving_token(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    holder, stranger = unique("TAG"), unique("TAG")
    await publish_id_token(service, holder, user_id=unique("driver"))
    await publish_id_token(service, stranger, user_id=unique("driver"))
    async with charger(service.ocpp_url, cp_id, password) as cp:
        reserved = await send(
            service,
            cp_id,
            "ReserveNow",
            {"connectorId": 1, "expiryDate": TOMORROW, "idTag": holder, "reservationId": 42},
        )
        assert reserved["status"] == "Answered"
        refused = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag=stranger, meter_start=0, timestamp="2026-11-23T14:00:00Z"
            )
        )
        assert refused.id_tag_info["status"] == "Invalid"
        accepted = await cp.call(
            call.StartTransaction(
                connector_id=1,
                id_tag=holder,
                meter_start=0,
                timestamp="2026-11-23T14:01:00Z",
                reservation_id=42,
            )
        )
        assert accepted.id_tag_info["status"] == "Accepted"


async def test_a_command_published_by_another_service_is_executed_and_answered(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service)
    command_id = str(uuid.uuid4())
    payload = CommandRequested(
        command_id=command_id,
        charge_point_id=cp_id,
        action="RemoteStartTransaction",
        payload={"idTag": "BOOKED-1", "connectorId": 2},
        timeout_s=20,
        requested_by="payment",
        requested_scopes=["commands:start"],
    )
    envelope = Envelope.wrap(payload, source="booking", subject=command_id, correlation_id=None)
    async with (
        EventWatcher(CONNECTIVITY_COMMAND_RESULTS.name) as results,
        charger(service.ocpp_url, cp_id, password) as cp,
    ):
        producer = create_producer(BOOTSTRAP, client_id="test-booking")
        await producer.start()
        try:
            await producer.send_and_wait(
                payload.topic.name, envelope.to_bytes(), key=cp_id.encode()
            )
        finally:
            await producer.stop()
        done = await results.wait_for("command.completed", cp_id)
        assert cp.received[-1][0] == "RemoteStartTransaction"
    assert done[0].data["command_id"] == command_id
    assert done[0].data["outcome"] == "Answered"
    assert done[0].data["response"] == {"status": "Accepted"}
