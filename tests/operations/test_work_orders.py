"""Work orders through a real connectivity service and a simulated charger: a failed
inspection item takes the charger out of use with ChangeAvailability (and back when the order
is closed), maintenance windows are published, alerts open work orders, technicians are
assigned, and a change the charger missed while offline is sent again when it reconnects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.v16 import call as call16

from shared.clock import ocpp_time as now
from shared.events.topics import OPERATIONS_ALERTS
from tests.connectivity.clients import charger
from tests.connectivity.support import OPERATOR as CONNECTIVITY_OPERATOR
from tests.connectivity.support import EventWatcher, Service, new_charge_point
from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.operations.support import (
    OPERATOR,
    Operations,
    register_technician,
    wait_for_alert,
    wait_for_availability,
    wait_for_station,
    work_order,
)


async def _station(connectivity: Service, ops: Operations) -> tuple[str, str]:
    cp_id, password = await new_charge_point(connectivity)
    await wait_for_station(ops, cp_id)
    return cp_id, password


async def _online(ops: Operations, cp_id: str) -> None:
    async def online() -> bool:
        return bool(
            await ops.pool.fetchval("select online from stations where charge_point_id = $1", cp_id)
        )

    await eventually(online, timeout=60)


def _availability_calls(cp: Any) -> list[dict[str, Any]]:
    return [kwargs for action, kwargs in cp.received if action == "ChangeAvailability"]


async def _received(cp: Any, count: int) -> list[dict[str, Any]]:
    async def arrived() -> bool:
        return len(_availability_calls(cp)) >= count

    await eventually(arrived, timeout=60)
    return _availability_calls(cp)


async def _create(ops: Operations, **body: Any) -> dict[str, Any]:
    response = await ops.http.post("/v1/work-orders", json=body, headers=OPERATOR)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


async def test_failed_rcd_test_takes_the_charger_out_of_use_until_the_order_is_done(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)
    templates = (await ops.http.get("/v1/checklist-templates", headers=OPERATOR)).json()
    quarterly = next(t for t in templates if t["key"] == "quarterly-electrical-check")
    async with (
        EventWatcher(OPERATIONS_ALERTS.name) as events,
        charger(connectivity.ocpp_url, cp_id, password) as cp,
    ):
        await _online(ops, cp_id)
        created = await ops.http.post(
            "/v1/inspections",
            json={"template_id": quarterly["id"], "charge_point_id": cp_id},
            headers=OPERATOR,
        )
        assert created.status_code == 201, created.text
        results = [
            {"key": item["key"], "result": "fail" if item["key"] == "rcd_test" else "pass"}
            for item in quarterly["items"]
        ]
        results[0]["note"] = "RCD does not trip"
        done = await ops.http.post(
            f"/v1/inspections/{created.json()['id']}/complete",
            json={"items": results},
            headers=OPERATOR,
        )
        assert done.status_code == 200, done.text
        [order_id] = done.json()["work_order_ids"]

        order = await wait_for_availability(ops, order_id, "inoperative")
        assert order["requires_inoperative"] and order["priority"] == "urgent"
        assert order["inspection_item"] == "rcd_test"
        [inoperative] = await _received(cp, 1)
        assert inoperative == {"connector_id": 0, "type": "Inoperative"}
        [window] = await events.wait_for("maintenance-window.scheduled", cp_id, timeout=90)
        assert window.data["work_order_id"] == order_id
        assert window.data["connector_id"] is None and window.data["ends_at"] is None

        closed = await ops.http.patch(
            f"/v1/work-orders/{order_id}",
            json={"status": "done", "note": "RCD replaced and tested"},
            headers=OPERATOR,
        )
        assert closed.status_code == 200, closed.text
        assert closed.json()["closed_at"] is not None
        assert closed.json()["notes"][0]["body"] == "RCD replaced and tested"
        await wait_for_availability(ops, order_id, "operative")
        calls = await _received(cp, 2)
        assert calls[1] == {"connector_id": 0, "type": "Operative"}
        [ended] = await events.wait_for("maintenance-window.ended", cp_id, timeout=90)
        assert ended.data["window_id"] == window.data["window_id"]

    commands = await connectivity.http.get(
        f"/v1/charge-points/{cp_id}/commands", headers=CONNECTIVITY_OPERATOR
    )
    assert {c["requested_by"] for c in commands.json()} == {ops.settings.service_account}
    reopened = await ops.http.patch(
        f"/v1/work-orders/{order_id}", json={"status": "in_progress"}, headers=OPERATOR
    )
    assert reopened.status_code == 409


async def test_scheduled_window_on_one_connector_starts_on_time_and_is_cancelled(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)
    starts = datetime.now(UTC) + timedelta(seconds=2)
    ends = starts + timedelta(hours=2)
    async with (
        EventWatcher(OPERATIONS_ALERTS.name) as events,
        charger(connectivity.ocpp_url, cp_id, password) as cp,
    ):
        await _online(ops, cp_id)
        order = await _create(
            ops,
            title="Replace connector 2 cable",
            charge_point_id=cp_id,
            connector_id=2,
            requires_inoperative=True,
            window_starts_at=starts.isoformat(),
            window_ends_at=ends.isoformat(),
        )
        assert order["availability"] == "scheduled"
        [window] = await events.wait_for("maintenance-window.scheduled", cp_id, timeout=90)
        assert window.data["connector_id"] == 2
        assert datetime.fromisoformat(window.data["starts_at"]) == starts
        assert datetime.fromisoformat(window.data["ends_at"]) == ends
        assert _availability_calls(cp) == []
        await wait_for_availability(ops, order["id"], "inoperative")
        assert (await _received(cp, 1))[0] == {"connector_id": 2, "type": "Inoperative"}
        cancelled = await ops.http.patch(
            f"/v1/work-orders/{order['id']}", json={"status": "cancelled"}, headers=OPERATOR
        )
        assert cancelled.status_code == 200
        await wait_for_availability(ops, order["id"], "operative")
        assert (await _received(cp, 2))[1] == {"connector_id": 2, "type": "Operative"}
        await events.wait_for("maintenance-window.ended", cp_id, timeout=90)


async def test_charger_stays_inoperative_while_another_order_needs_it(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)
    async with charger(connectivity.ocpp_url, cp_id, password) as cp:
        await _online(ops, cp_id)
        first = await _create(
            ops, title="Enclosure", charge_point_id=cp_id, requires_inoperative=True
        )
        second = await _create(ops, title="Cable", charge_point_id=cp_id, requires_inoperative=True)
        await wait_for_availability(ops, first["id"], "inoperative")
        await wait_for_availability(ops, second["id"], "inoperative")
        done = await ops.http.patch(
            f"/v1/work-orders/{first['id']}", json={"status": "done"}, headers=OPERATOR
        )
        assert done.json()["availability"] == "released"
        await ops.http.patch(
            f"/v1/work-orders/{second['id']}", json={"status": "done"}, headers=OPERATOR
        )
        await wait_for_availability(ops, second["id"], "operative")
        calls = await _received(cp, 3)
        assert [c["type"] for c in calls] == ["Inoperative", "Inoperative", "Operative"]


async def test_change_missed_while_offline_is_sent_at_reconnect(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)
    order = await _create(
        ops, title="Bollard hit", charge_point_id=cp_id, requires_inoperative=True
    )
    assert order["availability"] == "inoperative_requested"

    async def answered_offline() -> bool:
        detail = (await work_order(ops, order["id"]))["availability_detail"]
        return detail is not None and detail.startswith("Offline")

    await eventually(answered_offline, timeout=60)
    async with charger(connectivity.ocpp_url, cp_id, password) as cp:
        await wait_for_availability(ops, order["id"], "inoperative")
        assert (await _received(cp, 1))[0]["type"] == "Inoperative"


async def test_assignment_needs_a_technician_and_notes_are_kept(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, _ = await _station(connectivity, ops)
    technician, driver = unique("tech"), unique("driver")
    await register_technician(ops, technician, "operator")
    await register_technician(ops, driver, "driver")
    refused = await ops.http.post(
        "/v1/work-orders",
        json={"title": "Check camera", "charge_point_id": cp_id, "assignee": driver},
        headers=OPERATOR,
    )
    assert refused.status_code == 422
    unknown = await ops.http.post(
        "/v1/work-orders", json={"title": "x", "charge_point_id": "NO-SUCH-CP"}, headers=OPERATOR
    )
    assert unknown.status_code == 422
    order = await _create(ops, title="Check camera", charge_point_id=cp_id, priority="low")
    assert order["status"] == "open" and order["source"] == "operator"
    assigned = await ops.http.patch(
        f"/v1/work-orders/{order['id']}", json={"assignee": technician}, headers=OPERATOR
    )
    assert assigned.json()["status"] == "assigned"
    assert assigned.json()["assignee"] == technician
    started = await ops.http.patch(
        f"/v1/work-orders/{order['id']}", json={"status": "in_progress"}, headers=OPERATOR
    )
    assert started.json()["status"] == "in_progress"
    noted = await ops.http.post(
        f"/v1/work-orders/{order['id']}/notes", json={"body": "lens cleaned"}, headers=OPERATOR
    )
    assert noted.status_code == 201
    assert [n["body"] for n in noted.json()["notes"]] == ["lens cleaned"]
    nulls = await ops.http.patch(
        f"/v1/work-orders/{order['id']}",
        json={"title": None, "status": None, "priority": None},
        headers=OPERATOR,
    )
    assert nulls.status_code == 200
    assert (nulls.json()["title"], nulls.json()["status"]) == ("Check camera", "in_progress")
    no_alert = await ops.http.post(
        "/v1/work-orders",
        json={"title": "x", "charge_point_id": cp_id, "alert_id": "not-an-alert"},
        headers=OPERATOR,
    )
    assert no_alert.status_code == 422
    mine = await ops.http.get("/v1/work-orders", params={"assignee": technician}, headers=OPERATOR)
    assert [o["id"] for o in mine.json()] == [order["id"]]
    assert order["availability"] == "untouched"


async def test_tamper_alert_opens_one_work_order(connectivity: Service, ops: Operations) -> None:
    cp_id, password = await _station(connectivity, ops)
    async with charger(connectivity.ocpp_url, cp_id, password) as cp:
        for _ in range(2):
            await cp.call(
                call16.SecurityEventNotification(
                    type="TamperDetectionActivated", timestamp=now(), tech_info=None
                )
            )
        alert = await wait_for_alert(ops, cp_id, "tamper", occurrences=2)

    orders = (
        await ops.http.get("/v1/work-orders", params={"charge_point_id": cp_id}, headers=OPERATOR)
    ).json()
    assert len(orders) == 1
    assert orders[0]["source"] == "alert" and orders[0]["alert_id"] == alert["id"]
    assert orders[0]["priority"] == "urgent"


async def test_change_lost_on_the_way_is_sent_again(connectivity: Service, ops: Operations) -> None:
    cp_id, password = await _station(connectivity, ops)
    async with charger(connectivity.ocpp_url, cp_id, password) as cp:
        await _online(ops, cp_id)
        order = await _create(ops, title="Lost command", charge_point_id=cp_id)
        # As if the ChangeAvailability had been sent long ago and no answer ever came.
        await ops.pool.execute(
            """update work_orders set requires_inoperative = true,
                      availability = 'inoperative_requested',
                      availability_requested_at = now() - interval '1 hour'
                where id = $1""",
            order["id"],
        )
        await wait_for_availability(ops, order["id"], "inoperative")
        assert (await _received(cp, 1))[0] == {"connector_id": 0, "type": "Inoperative"}


async def test_closing_a_whole_charger_order_keeps_a_connector_order_in_force(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)
    async with charger(connectivity.ocpp_url, cp_id, password) as cp:
        await _online(ops, cp_id)
        whole = await _create(
            ops, title="Cabinet", charge_point_id=cp_id, requires_inoperative=True
        )
        await wait_for_availability(ops, whole["id"], "inoperative")
        one = await _create(
            ops, title="Cable 2", charge_point_id=cp_id, connector_id=2, requires_inoperative=True
        )
        await wait_for_availability(ops, one["id"], "inoperative")
        await ops.http.patch(
            f"/v1/work-orders/{whole['id']}", json={"status": "done"}, headers=OPERATOR
        )
        await wait_for_availability(ops, whole["id"], "operative")
        await wait_for_availability(ops, one["id"], "inoperative")
        calls = await _received(cp, 4)
        assert calls[2:] == [
            {"connector_id": 0, "type": "Operative"},
            {"connector_id": 2, "type": "Inoperative"},
        ]
