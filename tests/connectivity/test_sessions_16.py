"""OCPP 1.6 Core transactions: Authorize from the local id-token copy, sessions, replays, REST."""

from __future__ import annotations

from ocpp.v16 import call

from shared.events.topics import CHARGING_SESSIONS
from tests.connectivity.clients import charger
from tests.connectivity.support import (
    OPERATOR,
    EventWatcher,
    Service,
    auth,
    new_charge_point,
    publish_id_token,
)
from tests.helpers.polling import eventually
from tests.helpers.stack import unique


def energy_sample(
    timestamp: str, wh: int, power_w: float | None = None, soc: int | None = None
) -> dict[str, object]:
    sampled: list[dict[str, object]] = [
        {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    ]
    if power_w is not None:
        sampled.append(
            {"value": str(power_w / 1000), "measurand": "Power.Active.Import", "unit": "kW"}
        )
    if soc is not None:
        sampled.append({"value": str(soc), "measurand": "SoC", "unit": "Percent"})
    return {"timestamp": timestamp, "sampledValue": sampled}


async def test_authorize_answers_from_the_local_copy_of_identity_decisions(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service)
    accepted, blocked = unique("TAG"), unique("TAG")
    await publish_id_token(service, accepted, user_id="driver-a")
    await publish_id_token(service, blocked, user_id="driver-b", decision="Blocked")
    async with charger(service.ocpp_url, cp_id, password) as cp:
        assert (await cp.call(call.Authorize(id_tag=accepted))).id_tag_info["status"] == "Accepted"
        assert (await cp.call(call.Authorize(id_tag=blocked))).id_tag_info["status"] == "Blocked"
        assert (await cp.call(call.Authorize(id_tag=unique("NOPE")))).id_tag_info[
            "status"
        ] == "Invalid"


async def test_a_full_session_with_samples_events_and_rest(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    tag, user = unique("TAG"), unique("driver")
    await publish_id_token(service, tag, user_id=user)
    async with (
        EventWatcher(CHARGING_SESSIONS.name) as events,
        charger(service.ocpp_url, cp_id, password) as cp,
    ):
        start = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag=tag, meter_start=1000, timestamp="2026-11-23T10:00:00Z"
            )
        )
        assert start.id_tag_info["status"] == "Accepted"
        tx = start.transaction_id
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=tx,
                meter_value=[energy_sample("2026-11-23T10:10:00Z", 3500, power_w=11000, soc=40)],
            )
        )
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=tx,
                meter_value=[energy_sample("2026-11-23T10:20:00Z", 6000, power_w=10500, soc=55)],
            )
        )

        async def live_energy() -> bool:
            live = (
                await service.http.get(
                    "/v1/sessions", params={"status": "active"}, headers=auth(user, "driver")
                )
            ).json()
            return len(live) == 1 and live[0]["energy_wh"] == 5000

        await eventually(live_energy)
        stop = await cp.call(
            call.StopTransaction(
                meter_stop=7000,
                timestamp="2026-11-23T10:30:00Z",
                transaction_id=tx,
                reason="EVDisconnected",
                id_tag=tag,
            )
        )
        assert stop.id_tag_info["status"] == "Accepted"
        started = await events.wait_for("session.started", cp_id)
        await events.wait_for("session.updated", cp_id)
        stopped = (await events.wait_for("session.stopped", cp_id))[0].data
    assert started[0].data["user_id"] == user and started[0].data["meter_start_wh"] == 1000
    assert stopped["energy_wh"] == 6000 and stopped["duration_s"] == 1800
    assert stopped["stop_reason"] == "EVDisconnected" and stopped["user_id"] == user
    mine = (await service.http.get("/v1/sessions", headers=auth(user, "driver"))).json()
    assert len(mine) == 1 and mine[0]["status"] == "stopped" and mine[0]["power_w"] == 10500
    assert mine[0]["soc_percent"] == 55
    samples = (
        await service.http.get(
            f"/v1/sessions/{mine[0]['id']}/meter-samples", headers=auth(user, "driver")
        )
    ).json()
    assert {s["measurand"] for s in samples} == {
        "Energy.Active.Import.Register",
        "Power.Active.Import",
        "SoC",
    }
    # Another driver sees nothing of it; an operator sees it.
    other = await service.http.get(
        f"/v1/sessions/{mine[0]['id']}", headers=auth("someone", "driver")
    )
    assert other.status_code == 404
    assert (await service.http.get("/v1/sessions", headers=auth("someone", "driver"))).json() == []
    staff = await service.http.get(
        "/v1/sessions", params={"charge_point_id": cp_id}, headers=OPERATOR
    )
    assert [s["id"] for s in staff.json()] == [mine[0]["id"]]


async def test_replayed_start_stop_and_meter_values_change_nothing(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    tag = unique("TAG")
    await publish_id_token(service, tag, user_id=unique("driver"))
    start = call.StartTransaction(
        connector_id=2, id_tag=tag, meter_start=0, timestamp="2026-11-23T11:00:00Z"
    )
    meter = call.MeterValues(
        connector_id=2, meter_value=[energy_sample("2026-11-23T11:05:00Z", 800)]
    )
    async with charger(service.ocpp_url, cp_id, password) as cp:
        first = await cp.call(start)
        meter.transaction_id = first.transaction_id
        await cp.call(meter)
    # The charger reconnects and resends what it is not sure was received.
    async with charger(service.ocpp_url, cp_id, password) as cp:
        again = await cp.call(start)
        assert again.transaction_id == first.transaction_id
        assert again.id_tag_info["status"] == "Accepted"
        await cp.call(meter)
        stop = call.StopTransaction(
            meter_stop=1000,
            timestamp="2026-11-23T11:10:00Z",
            transaction_id=first.transaction_id,
            reason="Local",
        )
        await cp.call(stop)
        await cp.call(
            call.StopTransaction(
                meter_stop=99999,
                timestamp="2026-11-23T12:00:00Z",
                transaction_id=first.transaction_id,
                reason="Other",
            )
        )
    rows = await service.pool.fetch(
        "select * from charging_sessions where charge_point_id = $1", cp_id
    )
    assert len(rows) == 1
    assert rows[0]["energy_wh"] == 1000 and rows[0]["stop_reason"] == "Local"
    count = await service.pool.fetchval(
        "select count(*) from meter_samples where session_id = $1", rows[0]["id"]
    )
    assert count == 1


async def test_token_charging_elsewhere_gets_concurrent_tx(service: Service) -> None:
    first_cp, first_pw = await new_charge_point(service)
    second_cp, second_pw = await new_charge_point(service)
    tag = unique("TAG")
    await publish_id_token(service, tag, user_id=unique("driver"))
    async with (
        charger(service.ocpp_url, first_cp, first_pw) as a,
        charger(service.ocpp_url, second_cp, second_pw) as b,
    ):
        started = await a.call(
            call.StartTransaction(
                connector_id=1, id_tag=tag, meter_start=0, timestamp="2026-11-23T12:00:00Z"
            )
        )
        assert started.id_tag_info["status"] == "Accepted"
        assert (await b.call(call.Authorize(id_tag=tag))).id_tag_info["status"] == "ConcurrentTx"
        # Start is always answered with a transactionId, even when the check fails (§4.8).
        refused = await b.call(
            call.StartTransaction(
                connector_id=1, id_tag=tag, meter_start=0, timestamp="2026-11-23T12:01:00Z"
            )
        )
        assert refused.id_tag_info["status"] == "ConcurrentTx" and refused.transaction_id > 0
        # Stop of an unknown transaction is answered too (§4.10).
        await b.call(
            call.StopTransaction(
                meter_stop=1, timestamp="2026-11-23T12:02:00Z", transaction_id=987654321
            )
        )


async def test_unknown_token_start_is_answered_and_not_published(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with charger(service.ocpp_url, cp_id, password) as cp:
        start = await cp.call(
            call.StartTransaction(
                connector_id=1,
                id_tag=unique("GHOST"),
                meter_start=0,
                timestamp="2026-11-23T13:00:00Z",
            )
        )
    assert start.id_tag_info["status"] == "Invalid" and start.transaction_id > 0
    auth_status = await service.pool.fetchval(
        "select auth_status from charging_sessions where charge_point_id = $1", cp_id
    )
    assert auth_status == "Invalid"


async def test_expired_token_is_answered_expired(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    tag = unique("TAG")
    await publish_id_token(
        service, tag, user_id=unique("driver"), expires_at="2020-01-01T00:00:00Z"
    )
    async with charger(service.ocpp_url, cp_id, password) as cp:
        answer = await cp.call(call.Authorize(id_tag=tag))
    assert answer.id_tag_info["status"] == "Expired"


async def test_a_changed_identity_decision_replaces_the_local_copy(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    tag = unique("TAG")
    await publish_id_token(service, tag, user_id=unique("driver"))
    await publish_id_token(service, tag, user_id=unique("driver"), decision="Blocked")
    async with charger(service.ocpp_url, cp_id, password) as cp:
        answer = await cp.call(call.Authorize(id_tag=tag))
    assert answer.id_tag_info["status"] == "Blocked"
