"""Values the schemas let through but the platform cannot store are stopped at the edge.

A NUL in a string, NaN / Infinity or a number beyond int64, a connector id beyond int32, a date
in year 9999: each gets the CALLERROR the spec names before it can join a shared batch, or,
where OCPP requires an answer (StartTransaction, StopTransaction, TransactionEvent Ended), the
message is answered and stored without the bad field, and a security event is recorded.
"""

from __future__ import annotations

import json

import pytest
from ocpp.v16 import call

from tests.connectivity.clients import charger, exchange, raw
from tests.connectivity.support import Service, new_charge_point, publish_id_token
from tests.helpers.polling import eventually
from tests.helpers.stack import unique

STATUS = '"errorCode": "NoError", "status": "Available"'


@pytest.mark.parametrize(
    ("version", "frame", "code"),
    [
        # A NUL (or a lone surrogate) in any string: not text PostgreSQL can store.
        ("1.6", '[2, "m", "Authorize", {"idTag": "AB\\u0000CD"}]', "TypeConstraintViolation"),
        (
            "1.6",
            '[2, "m", "BootNotification", {"chargePointVendor": "V\\u0000", '
            '"chargePointModel": "M"}]',
            "TypeConstraintViolation",
        ),
        ("1.6", '[2, "m", "DataTransfer", {"vendorId": "\\ud800"}]', "TypeConstraintViolation"),
        (
            "1.6",
            '[2, "m", "StatusNotification", {"connectorId": 1, '
            + STATUS
            + ', "info": "a\\u0000"}]',
            "TypeConstraintViolation",
        ),
        # A connector id beyond int32.
        (
            "1.6",
            '[2, "m", "StatusNotification", {"connectorId": 2147483648, ' + STATUS + "}]",
            "PropertyConstraintViolation",
        ),
        # A date no column or datetime can hold.
        (
            "1.6",
            '[2, "m", "StatusNotification", {"connectorId": 1, '
            + STATUS
            + ', "timestamp": "9999-12-31T23:59:59-14:00"}]',
            "PropertyConstraintViolation",
        ),
        # Non-finite and huge samples, in 1.6 (string values) and as JSON numbers.
        (
            "1.6",
            '[2, "m", "MeterValues", {"connectorId": 1, "transactionId": 1, "meterValue": '
            '[{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "NaN"}]}]}]',
            "PropertyConstraintViolation",
        ),
        (
            "1.6",
            '[2, "m", "MeterValues", {"connectorId": 1, "transactionId": 1, "meterValue": '
            '[{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "1e400"}]}]}]',
            "PropertyConstraintViolation",
        ),
        (
            "1.6",
            '[2, "m", "MeterValues", {"connectorId": 1, "transactionId": 1, "meterValue": '
            '[{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "9e30", '
            '"unit": "kWh"}]}]}]',
            "PropertyConstraintViolation",
        ),
        (
            "2.0.1",
            '[2, "m", "StatusNotification", {"timestamp": "2026-11-23T10:00:00Z", '
            '"connectorStatus": "Available", "evseId": 1, "connectorId": 99999999999}]',
            "PropertyConstraintViolation",
        ),
        (
            "2.0.1",
            '[2, "m", "TransactionEvent", {"eventType": "Updated", "timestamp": '
            '"2026-11-23T10:00:00Z", "triggerReason": "MeterValuePeriodic", "seqNo": 1, '
            '"transactionInfo": {"transactionId": "t1"}, "meterValue": [{"timestamp": '
            '"2026-11-23T10:00:00Z", "sampledValue": [{"value": Infinity}]}]}]',
            "PropertyConstraintViolation",
        ),
        (
            "2.0.1",
            '[2, "m", "Heartbeat", {"customData": {"vendorId": "x", "n": ' + "9" * 30 + "}}]",
            "PropertyConstraintViolation",
        ),
    ],
)
async def test_unstorable_values_get_the_callerror_the_spec_names(
    service: Service, version: str, frame: str, code: str
) -> None:
    cp_id, password = await new_charge_point(service, ocpp_version=version)
    async with raw(service.ocpp_url, cp_id, password, version) as ws:
        answer = await exchange(ws, frame)
        assert answer[0] == 4 and answer[2] == code, answer
        ok = await exchange(ws, '[2, "after", "Heartbeat", {}]')
        assert ok[0] == 3 and ok[1] == "after"


async def test_a_refused_value_is_reported_as_a_security_event(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with raw(service.ocpp_url, cp_id, password) as ws:
        answer = await exchange(ws, '[2, "m", "Authorize", {"idTag": "\\u0000"}]')
        assert answer[2] == "TypeConstraintViolation"

    async def recorded() -> bool:
        kinds = await service.pool.fetch(
            "select kind, detail from security_events where charge_point_id = $1", cp_id
        )
        return any(r["kind"] == "unstorable_value" and "idTag" in r["detail"] for r in kinds)

    await eventually(recorded)


async def test_stop_with_an_unstorable_meter_stop_is_answered_and_stored_without_it(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service)
    tag = unique("TAG")
    await publish_id_token(service, tag, user_id=unique("driver"))
    async with charger(service.ocpp_url, cp_id, password) as cp:
        start = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag=tag, meter_start=1000, timestamp="2026-11-23T10:00:00Z"
            )
        )
        tx = start.transaction_id
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=tx,
                meter_value=[
                    {
                        "timestamp": "2026-11-23T10:10:00Z",
                        "sampledValue": [{"value": "4000", "unit": "Wh"}],
                    }
                ],
            )
        )
    async with raw(service.ocpp_url, cp_id, password) as ws:
        stop = {
            "transactionId": tx,
            "meterStop": 2**70,
            "timestamp": "2026-11-23T10:20:00Z",
            "transactionData": [
                {"timestamp": "2026-11-23T10:19:00Z", "sampledValue": [{"value": "NaN"}]}
            ],
        }
        answer = await exchange(ws, json.dumps([2, "stop", "StopTransaction", stop]))
        assert answer[0] == 3, answer
    row = await service.pool.fetchrow(
        "select status, energy_wh, meter_stop_wh from charging_sessions where charge_point_id = $1",
        cp_id,
    )
    # The last reading the platform could store counts: 4000 - 1000.
    assert row["status"] == "stopped" and row["energy_wh"] == 3000, dict(row)

    async def recorded() -> bool:
        detail = await service.pool.fetchval(
            "select string_agg(detail, ' ') from security_events "
            "where charge_point_id = $1 and kind = 'unstorable_value'",
            cp_id,
        )
        return detail is not None and "meterStop" in detail

    await eventually(recorded)


async def test_start_with_an_unstorable_id_tag_is_answered_invalid_and_kept(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service)
    async with raw(service.ocpp_url, cp_id, password) as ws:
        start = {
            "connectorId": 1,
            "idTag": "AB\u0000",
            "meterStart": 0,
            "timestamp": "2026-11-23T10:00:00Z",
        }
        answer = await exchange(ws, json.dumps([2, "start", "StartTransaction", start]))
    assert answer[0] == 3, answer
    assert isinstance(answer[2], dict) and answer[2]["idTagInfo"]["status"] == "Invalid"
    row = await service.pool.fetchrow(
        "select id_tag, auth_status from charging_sessions where charge_point_id = $1", cp_id
    )
    assert row["id_tag"] is None and row["auth_status"] == "Invalid"


async def test_transaction_event_ended_with_poison_is_answered_and_ends_the_session(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service, ocpp_version="2.0.1")
    tx = unique("tx")
    base = {"timestamp": "2026-11-23T10:00:00Z", "transactionInfo": {"transactionId": tx}}
    started = {**base, "eventType": "Started", "triggerReason": "CablePluggedIn", "seqNo": 0}
    ended = {
        **base,
        "eventType": "Ended",
        "triggerReason": "EVCommunicationLost",
        "seqNo": 1,
        "timestamp": "2026-11-23T10:30:00Z",
        "evse": {"id": 2**40},
        "meterValue": [
            {"timestamp": "2026-11-23T10:29:00Z", "sampledValue": [{"value": 1e300}]},
            {"timestamp": "2026-11-23T10:29:30Z", "sampledValue": [{"value": 5000}]},
        ],
    }
    async with raw(service.ocpp_url, cp_id, password, "2.0.1") as ws:
        assert (await exchange(ws, json.dumps([2, "s", "TransactionEvent", started])))[0] == 3
        answer = await exchange(ws, json.dumps([2, "e", "TransactionEvent", ended]))
        assert answer[0] == 3, answer
    row = await service.pool.fetchrow(
        "select status, meter_stop_wh from charging_sessions "
        "where charge_point_id = $1 and transaction_id = $2",
        cp_id,
        tx,
    )
    assert row["status"] == "stopped" and row["meter_stop_wh"] == 5000
