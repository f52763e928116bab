"""A charger not approved may only boot and heartbeat; sessions whose stop never arrives are
closed (at the next boot, when the connector is free again, or by an operator) and billed."""

from __future__ import annotations

from ocpp.v16 import call
from ocpp.v201 import call as call201

from shared.events.topics import CHARGING_SESSIONS
from tests.connectivity.clients import charger, exchange, raw
from tests.connectivity.support import (
    OPERATOR,
    EventWatcher,
    Service,
    auth,
    new_charge_point,
    publish_id_token,
)
from tests.helpers.stack import unique


async def test_a_pending_charger_may_boot_and_heartbeat_and_nothing_else(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service, approval="pending")
    tag = unique("TAG")
    await publish_id_token(service, tag, user_id=unique("driver"))
    async with raw(service.ocpp_url, cp_id, password) as ws:
        boot = await exchange(
            ws,
            [2, "b", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}],
        )
        assert boot[0] == 3 and boot[2]["status"] == "Pending"  # type: ignore[index]
        assert (await exchange(ws, [2, "h", "Heartbeat", {}]))[0] == 3
        for action, payload in [
            ("Authorize", {"idTag": tag}),
            (
                "StartTransaction",
                {
                    "connectorId": 1,
                    "idTag": tag,
                    "meterStart": 0,
                    "timestamp": "2026-11-23T10:00:00Z",
                },
            ),
            (
                "StatusNotification",
                {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
            ),
        ]:
            answer = await exchange(ws, [2, action, action, payload])
            assert answer[0] == 4 and answer[2] == "SecurityError", (action, answer)
    assert (
        await service.pool.fetchval(
            "select count(*) from charging_sessions where charge_point_id = $1", cp_id
        )
        == 0
    )
    # Approved by an operator: the charger's next boot is Accepted, and it may charge.
    await service.http.post(f"/v1/charge-points/{cp_id}/approve", headers=OPERATOR)
    async with charger(service.ocpp_url, cp_id, password) as cp:
        booted = await cp.call(
            call.BootNotification(charge_point_vendor="V", charge_point_model="M")
        )
        assert booted.status == "Accepted"
        assert (await cp.call(call.Authorize(id_tag=tag))).id_tag_info["status"] == "Accepted"


async def test_a_pending_201_station_gets_security_error_for_transaction_events(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service, ocpp_version="2.0.1", approval="pending")
    async with raw(service.ocpp_url, cp_id, password, "2.0.1") as ws:
        event = {
            "eventType": "Started",
            "timestamp": "2026-11-23T10:00:00Z",
            "triggerReason": "CablePluggedIn",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "t1"},
        }
        answer = await exchange(ws, [2, "t", "TransactionEvent", event])
        assert answer[0] == 4 and answer[2] == "SecurityError"


async def start(cp: object, tag: str, connector: int = 1) -> int:
    started = await cp.call(  # type: ignore[attr-defined]
        call.StartTransaction(
            connector_id=connector, id_tag=tag, meter_start=1000, timestamp="2026-11-23T10:00:00Z"
        )
    )
    assert started.id_tag_info["status"] == "Accepted"
    return int(started.transaction_id)


async def meter(cp: object, tx: int, wh: int, at: str) -> None:
    await cp.call(  # type: ignore[attr-defined]
        call.MeterValues(
            connector_id=1,
            transaction_id=tx,
            meter_value=[{"timestamp": at, "sampledValue": [{"value": str(wh), "unit": "Wh"}]}],
        )
    )


async def test_the_next_boot_closes_an_orphaned_session_and_bills_it(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    tag, user = unique("TAG"), unique("driver")
    await publish_id_token(service, tag, user_id=user)
    async with EventWatcher(CHARGING_SESSIONS.name) as events:
        async with charger(service.ocpp_url, cp_id, password) as cp:
            tx = await start(cp, tag)
            await meter(cp, tx, 3000, "2026-11-23T10:20:00Z")
        # Power lost: no StopTransaction. The charger comes back and boots.
        async with charger(service.ocpp_url, cp_id, password) as cp:
            await cp.call(call.BootNotification(charge_point_vendor="V", charge_point_model="M"))
            # The token is free again: no ConcurrentTx.
            assert (await cp.call(call.Authorize(id_tag=tag))).id_tag_info["status"] == "Accepted"
        stopped = (await events.wait_for("session.stopped", cp_id))[0].data
    assert stopped["stop_reason"] == "OrphanedAtBoot" and stopped["energy_wh"] == 2000
    assert stopped["stopped_at"].startswith("2026-11-23T10:20:00")


async def test_a_connector_reported_available_closes_its_orphaned_session(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service)
    tag, other_tag = unique("TAG"), unique("TAG")
    await publish_id_token(service, tag, user_id=unique("driver"))
    await publish_id_token(service, other_tag, user_id=unique("driver"))
    async with (
        EventWatcher(CHARGING_SESSIONS.name) as events,
        charger(service.ocpp_url, cp_id, password) as cp,
    ):
        tx = await start(cp, tag, connector=1)
        await start(cp, other_tag, connector=2)
        await meter(cp, tx, 1800, "2026-11-23T10:10:00Z")
        await cp.call(
            call.StatusNotification(
                connector_id=1,
                error_code="NoError",
                status="Available",
                timestamp="2026-11-23T10:15:00Z",
            )
        )
        stopped = (await events.wait_for("session.stopped", cp_id))[0].data
    assert stopped["stop_reason"] == "OrphanedConnectorAvailable"
    assert stopped["energy_wh"] == 800 and stopped["stopped_at"].startswith("2026-11-23T10:15")
    # The session on the other connector goes on.
    statuses = await service.pool.fetch(
        "select connector_id, status from charging_sessions where charge_point_id = $1", cp_id
    )
    assert {(r["connector_id"], r["status"]) for r in statuses} == {(1, "stopped"), (2, "active")}


async def test_an_operator_closes_an_orphaned_session(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    tag, user = unique("TAG"), unique("driver")
    await publish_id_token(service, tag, user_id=user)
    async with charger(service.ocpp_url, cp_id, password) as cp:
        tx = await start(cp, tag)
        await meter(cp, tx, 2500, "2026-11-23T10:10:00Z")
    session_id = await service.pool.fetchval(
        "select id from charging_sessions where charge_point_id = $1", cp_id
    )
    path = f"/v1/sessions/{session_id}/close"
    for headers in (auth(user, "driver"), auth("agent", "support")):
        refused = await service.http.post(path, headers=headers)
        assert refused.status_code in (403, 404), refused.text
    async with EventWatcher(CHARGING_SESSIONS.name) as events:
        closed = await service.http.post(path, json={"reason": "ChargerDead"}, headers=OPERATOR)
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "stopped" and closed.json()["energy_wh"] == 1500
        stopped = (await events.wait_for("session.stopped", cp_id))[0].data
    assert stopped["stop_reason"] == "ChargerDead" and stopped["user_id"] == user
    again = await service.http.post(path, headers=auth("admin-1", "admin"))
    assert again.status_code == 409
    missing = await service.http.post(
        "/v1/sessions/00000000-0000-0000-0000-000000000000/close", headers=OPERATOR
    )
    assert missing.status_code == 404


async def test_id_tags_match_whatever_case_the_reader_sends(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    uid = unique("card").upper()  # identity stores uids upper-cased
    await publish_id_token(service, uid, user_id=unique("driver"))
    async with charger(service.ocpp_url, cp_id, password) as cp:
        answer = await cp.call(call.Authorize(id_tag=uid.lower()))
        assert answer.id_tag_info["status"] == "Accepted"
        started = await cp.call(
            call.StartTransaction(
                connector_id=1,
                id_tag=uid.lower(),
                meter_start=0,
                timestamp="2026-11-23T10:00:00Z",
            )
        )
        assert started.id_tag_info["status"] == "Accepted"
        # The same card in upper case is the same token: it is charging already.
        assert (await cp.call(call.Authorize(id_tag=uid))).id_tag_info["status"] == "ConcurrentTx"
    stored = await service.pool.fetchval(
        "select id_tag from charging_sessions where charge_point_id = $1", cp_id
    )
    assert stored == uid


async def test_id_tokens_of_201_match_case_insensitively(service: Service) -> None:
    cp_id, password = await new_charge_point(service, ocpp_version="2.0.1")
    uid = unique("card").upper()
    await publish_id_token(service, uid, user_id=unique("driver"))
    async with charger(service.ocpp_url, cp_id, password, "2.0.1") as cp:
        answer = await cp.call(
            call201.Authorize(id_token={"idToken": uid.lower(), "type": "ISO14443"})
        )
    assert answer.id_token_info["status"] == "Accepted"
