"""OCPP 2.0.1 charger-initiated messages: transactions, reports, security and firmware events."""

from __future__ import annotations

from ocpp.v16 import call as call16
from ocpp.v201 import call

from shared.events.topics import CHARGEPOINTS_STATUS, CHARGING_SESSIONS
from tests.connectivity.clients import charger
from tests.connectivity.support import (
    OPERATOR,
    EventWatcher,
    Service,
    auth,
    new_charge_point,
    publish_id_token,
)
from tests.helpers.stack import unique


def meter(timestamp: str, wh: float, power_w: float | None = None) -> dict[str, object]:
    sampled: list[dict[str, object]] = [
        {
            "value": wh / 1000,
            "measurand": "Energy.Active.Import.Register",
            "unitOfMeasure": {"unit": "kWh"},
        }
    ]
    if power_w is not None:
        sampled.append({"value": power_w, "measurand": "Power.Active.Import"})
    return {"timestamp": timestamp, "sampledValue": sampled}


def event(kind: str, tx: str, seq: int, timestamp: str, **extra: object) -> call.TransactionEvent:
    return call.TransactionEvent(
        event_type=kind,
        timestamp=timestamp,
        trigger_reason=extra.pop("trigger", "Authorized"),
        seq_no=seq,
        transaction_info={"transactionId": tx, **extra.pop("info", {})},  # type: ignore[dict-item]
        **extra,
    )


async def test_transaction_events_become_a_session(service: Service) -> None:
    cp_id, password = await new_charge_point(service, ocpp_version="2.0.1")
    tag, user = unique("TOK"), unique("driver")
    await publish_id_token(service, tag, user_id=user)
    tx = unique("tx")
    token = {"idToken": tag, "type": "ISO14443"}
    async with (
        EventWatcher(CHARGING_SESSIONS.name) as events,
        charger(service.ocpp_url, cp_id, password, "2.0.1") as cp,
    ):
        authorized = await cp.call(call.Authorize(id_token=token))
        assert authorized.id_token_info["status"] == "Accepted"
        started = await cp.call(
            event(
                "Started",
                tx,
                0,
                "2026-11-23T10:00:00Z",
                id_token=token,
                evse={"id": 1, "connectorId": 1},
                meter_value=[meter("2026-11-23T10:00:00Z", 2000)],
            )
        )
        assert started.id_token_info["status"] == "Accepted"
        await cp.call(
            event(
                "Updated",
                tx,
                1,
                "2026-11-23T10:15:00Z",
                trigger="MeterValuePeriodic",
                meter_value=[meter("2026-11-23T10:15:00Z", 4500, power_w=10000)],
            )
        )
        # A repeated Updated changes nothing.
        await cp.call(
            event(
                "Updated",
                tx,
                1,
                "2026-11-23T10:15:00Z",
                trigger="MeterValuePeriodic",
                meter_value=[meter("2026-11-23T10:15:00Z", 4500, power_w=10000)],
            )
        )
        await cp.call(
            event(
                "Ended",
                tx,
                2,
                "2026-11-23T10:45:00Z",
                trigger="EVCommunicationLost",
                info={"stoppedReason": "EVDisconnected"},
                meter_value=[meter("2026-11-23T10:45:00Z", 9000)],
            )
        )
        await cp.call(
            event(
                "Ended",
                tx,
                2,
                "2026-11-23T10:45:00Z",
                trigger="EVCommunicationLost",
                info={"stoppedReason": "EVDisconnected"},
                meter_value=[meter("2026-11-23T10:45:00Z", 9000)],
            )
        )
        stopped = await events.wait_for("session.stopped", cp_id)
        assert len(await events.wait_for("session.started", cp_id)) == 1
    assert len(stopped) == 1
    assert stopped[0].data["energy_wh"] == 7000 and stopped[0].data["duration_s"] == 2700
    assert stopped[0].data["stop_reason"] == "EVDisconnected" and stopped[0].data["user_id"] == user
    mine = (await service.http.get("/v1/sessions", headers=auth(user, "driver"))).json()
    assert len(mine) == 1 and mine[0]["transaction_id"] == tx and mine[0]["evse_id"] == 1


async def test_token_active_on_a_16_charger_is_concurrent_on_a_201_one(service: Service) -> None:
    old_cp, old_pw = await new_charge_point(service)
    new_cp, new_pw = await new_charge_point(service, ocpp_version="2.0.1")
    tag = unique("TOK")
    await publish_id_token(service, tag, user_id=unique("driver"))
    async with (
        charger(service.ocpp_url, old_cp, old_pw) as a,
        charger(service.ocpp_url, new_cp, new_pw, "2.0.1") as b,
    ):
        await a.call(
            call16.StartTransaction(
                connector_id=1, id_tag=tag, meter_start=0, timestamp="2026-11-23T09:00:00Z"
            )
        )
        answer = await b.call(call.Authorize(id_token={"idToken": tag, "type": "ISO14443"}))
        assert answer.id_token_info["status"] == "ConcurrentTx"
        unknown = await b.call(
            call.Authorize(id_token={"idToken": unique("NOPE"), "type": "ISO14443"})
        )
        assert unknown.id_token_info["status"] == "Invalid"


async def test_reports_security_firmware_meter_values_and_data_transfer(service: Service) -> None:
    cp_id, password = await new_charge_point(service, ocpp_version="2.0.1")
    async with (
        EventWatcher(CHARGEPOINTS_STATUS.name) as events,
        charger(service.ocpp_url, cp_id, password, "2.0.1") as cp,
    ):
        await cp.call(
            call.NotifyReport(
                request_id=1,
                generated_at="2026-11-23T10:00:00Z",
                seq_no=0,
                report_data=[
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                        "variableAttribute": [{"value": "60"}],
                    }
                ],
            )
        )
        await cp.call(
            call.SecurityEventNotification(
                type="TamperDetectionActivated",
                timestamp="2026-11-23T10:00:00Z",
                tech_info="lid open",
            )
        )
        await cp.call(call.FirmwareStatusNotification(status="InstallationFailed", request_id=5))
        await cp.call(call.MeterValues(evse_id=1, meter_value=[meter("2026-11-23T10:00:00Z", 100)]))
        transfer = await cp.call(call.DataTransfer(vendor_id="com.example", message_id="x"))
        assert transfer.status == "UnknownVendorId"
        security = await events.wait_for("charge-point.security-event", cp_id)
        assert security[0].data["kind"] == "TamperDetectionActivated"
        fault = await events.wait_for("charge-point.fault", cp_id)
        assert fault[0].data["detail"] == "InstallationFailed"
    read = await service.http.get(f"/v1/charge-points/{cp_id}", headers=OPERATOR)
    assert read.json()["ocpp_version"] == "2.0.1"


async def test_16_firmware_diagnostics_and_security_extension(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with (
        EventWatcher(CHARGEPOINTS_STATUS.name) as events,
        charger(service.ocpp_url, cp_id, password) as cp,
    ):
        await cp.call(call16.DiagnosticsStatusNotification(status="Uploaded"))
        await cp.call(call16.FirmwareStatusNotification(status="Installed"))
        await cp.call(
            call16.SignedFirmwareStatusNotification(status="InvalidSignature", request_id=1)
        )
        await cp.call(call16.LogStatusNotification(status="Uploaded", request_id=2))
        await cp.call(
            call16.SecurityEventNotification(
                type="InvalidFirmwareSignature", timestamp="2026-11-23T10:00:00Z", tech_info=None
            )
        )
        transfer = await cp.call(call16.DataTransfer(vendor_id="com.example"))
        assert transfer.status == "UnknownVendorId"
        await events.wait_for("charge-point.security-event", cp_id)
        faults = await events.wait_for("charge-point.fault", cp_id)
        assert faults[0].data["detail"] == "InvalidSignature"
