"""One hostile charger and one unauthenticated client never cost the good chargers an answer
or a byte of data.

Twenty well-behaved 1.6 chargers run Boot -> Status -> Start -> 8 x MeterValues -> Stop side
by side with a charger that sends poison in every message type (a NUL in strings, numbers that
are not finite or exceed int64, a connector id beyond int32) and a client without credentials
that opens handshakes to paths with a NUL in them. On main, good chargers got 503 at the
handshake and InternalError on StopTransaction, and buffered samples were dropped.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ocpp.v16 import call
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from tests.connectivity.clients import basic, charger, raw
from tests.connectivity.support import Service, new_charge_point, publish_id_token
from tests.helpers.polling import eventually
from tests.helpers.stack import unique

GOOD_CHARGERS = 20
SAMPLES_PER_METER_VALUES = 2
# A short interval keeps buffered rows of good and bad chargers in the same flushes.
SETTINGS = {"flush_interval_s": 0.02, "ocpp_rate_per_s": 1000.0, "ocpp_rate_burst": 1000}


def energy_and_power(minute: int, wh: int) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": f"2026-11-23T10:{minute:02d}:00Z",
            "sampledValue": [
                {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
            ],
        }
    ]


async def good_charger(service: Service, cp_id: str, password: str, tag: str) -> None:
    """Every call must be answered with a CALLRESULT (the library returns None otherwise)."""
    async with charger(service.ocpp_url, cp_id, password) as cp:
        boot = await cp.call(
            call.BootNotification(charge_point_vendor="Good", charge_point_model="G1")
        )
        assert boot is not None and boot.status == "Accepted"
        status = await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing")
        )
        assert status is not None
        start = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag=tag, meter_start=1000, timestamp="2026-11-23T10:00:00Z"
            )
        )
        assert start is not None and start.id_tag_info["status"] == "Accepted"
        for minute in range(1, 9):
            answer = await cp.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=start.transaction_id,
                    meter_value=energy_and_power(minute, 1000 + 500 * minute),
                )
            )
            assert answer is not None
        stop = await cp.call(
            call.StopTransaction(
                meter_stop=5500,
                timestamp="2026-11-23T10:10:00Z",
                transaction_id=start.transaction_id,
                id_tag=tag,
            )
        )
        assert stop is not None and stop.id_tag_info["status"] == "Accepted"


POISON: list[tuple[str, dict[str, Any]]] = [
    ("BootNotification", {"chargePointVendor": "Bad\u0000", "chargePointModel": "B"}),
    ("StatusNotification", {"connectorId": 2**31, "errorCode": "NoError", "status": "Available"}),
    (
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "Faulted", "info": "\u0000"},
    ),
    ("Authorize", {"idTag": "EVIL\u0000"}),
    ("DataTransfer", {"vendorId": "\u0000", "data": "x"}),
    (
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": 1,
            "meterValue": [
                {"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "NaN"}]}
            ],
        },
    ),
    (
        "MeterValues",
        {
            "connectorId": 2**40,
            "transactionId": 1,
            "meterValue": [{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "1"}]}],
        },
    ),
    (
        "SecurityEventNotification",
        {"type": "x", "timestamp": "2026-11-23T10:00:00Z", "techInfo": "\u0000"},
    ),
]
MUST_ANSWER: list[tuple[str, dict[str, Any]]] = [
    (
        "StartTransaction",
        {
            "connectorId": 2**40,
            "idTag": "EVIL\u0000",
            "meterStart": 2**70,
            "timestamp": "2026-11-23T10:00:00Z",
        },
    ),
    (
        "StopTransaction",
        {"transactionId": 2**33, "meterStop": 2**70, "timestamp": "9999-12-31T23:59:59-14:00"},
    ),
]


async def hostile_charger(service: Service, cp_id: str, password: str) -> list[list[Any]]:
    answers: list[list[Any]] = []
    async with raw(service.ocpp_url, cp_id, password) as ws:
        for round_ in range(3):
            for i, (action, payload) in enumerate(POISON + MUST_ANSWER):
                # allow_nan: Python writes NaN/Infinity tokens, which Python's reader accepts.
                await ws.send(json.dumps([2, f"{round_}-{i}", action, payload], allow_nan=True))
                answers.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
    return answers


async def nul_handshakes(service: Service) -> list[int]:
    statuses: list[int] = []
    for i in range(60):
        try:
            async with connect(
                f"{service.ocpp_url}/ocpp/CP%00{i}",
                subprotocols=[Subprotocol("ocpp1.6")],
                additional_headers={"Authorization": basic("x", "y" * 20)},
                open_timeout=5,
                local_addr=("127.0.0.66", 0),
            ):
                pass
        except InvalidStatus as refused:
            statuses.append(refused.response.status_code)
    return statuses


async def test_good_chargers_keep_every_answer_and_sample_beside_a_hostile_charger_and_client(
    service: Service,
) -> None:
    good = [await new_charge_point(service) for _ in range(GOOD_CHARGERS)]
    tags = [unique("TAG") for _ in good]
    for tag in tags:
        await publish_id_token(service, tag, user_id=unique("driver"))
    bad_cp, bad_pw = await new_charge_point(service)

    results = await asyncio.gather(
        *(
            good_charger(service, cp_id, pw, tag)
            for (cp_id, pw), tag in zip(good, tags, strict=True)
        ),
        hostile_charger(service, bad_cp, bad_pw),
        nul_handshakes(service),
        return_exceptions=True,
    )
    failures = [r for r in results[:GOOD_CHARGERS] if isinstance(r, BaseException)]
    assert failures == [], failures
    answers, statuses = results[GOOD_CHARGERS], results[GOOD_CHARGERS + 1]
    assert isinstance(answers, list) and isinstance(statuses, list), results[GOOD_CHARGERS:]

    # The hostile charger: a CALLERROR for every poisoned message, an answer where OCPP needs one.
    per_round = len(POISON) + len(MUST_ANSWER)
    for round_ in range(3):
        got = answers[round_ * per_round : (round_ + 1) * per_round]
        assert [a[0] for a in got[: len(POISON)]] == [4] * len(POISON), got
        assert {a[2] for a in got[: len(POISON)]} <= {
            "TypeConstraintViolation",
            "PropertyConstraintViolation",
        }
        assert [a[0] for a in got[len(POISON) :]] == [3] * len(MUST_ANSWER), got
    # The client: refused before any database work, then throttled; never a 503.
    assert set(statuses) <= {404, 429} and 503 not in statuses and 429 in statuses

    # Every good session complete, with the right energy and every sample.
    async def flushed() -> bool:
        count = await service.pool.fetchval(
            "select count(*) from meter_samples m join charging_sessions s on s.id = m.session_id "
            "where s.charge_point_id = any($1)",
            [cp_id for cp_id, _ in good],
        )
        return bool(count == GOOD_CHARGERS * 8 * SAMPLES_PER_METER_VALUES)

    await eventually(flushed)
    sessions = await service.pool.fetch(
        "select charge_point_id, status, energy_wh, power_w from charging_sessions "
        "where charge_point_id = any($1)",
        [cp_id for cp_id, _ in good],
    )
    assert len(sessions) == GOOD_CHARGERS
    assert all(
        s["status"] == "stopped" and s["energy_wh"] == 4500 and s["power_w"] == 11000
        for s in sessions
    ), [dict(s) for s in sessions]

    # Security events: recorded, but one per source and kind within the interval.
    await asyncio.sleep(0.5)
    bad_events = await service.pool.fetch(
        "select kind, count(*) as n from security_events where charge_point_id = $1 group by kind",
        bad_cp,
    )
    assert {r["kind"]: r["n"] for r in bad_events} == {"unstorable_value": 1}
    handshake_events = await service.pool.fetchval(
        "select count(*) from security_events where detail like '%127.0.0.66%'"
    )
    assert handshake_events == 1
