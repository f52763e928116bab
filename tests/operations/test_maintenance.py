"""Maintenance plans generate inspections; overdue ones raise alerts; completing an inspection
records who and when, updates equipment test dates, opens work orders for failed items and
resolves the overdue alert. Security equipment and the public safety read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.connectivity.chargepoints.schemas import Location
from services.operations.jobs import evaluate_once
from shared.events.topics import OPERATIONS_ALERTS
from tests.connectivity.support import EventWatcher, Service, new_charge_point
from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.operations.support import (
    OPERATOR,
    Operations,
    alert_events,
    wait_for_alert,
    wait_for_station,
)


async def _station(connectivity: Service, ops: Operations, **overrides: Any) -> str:
    cp_id, _ = await new_charge_point(connectivity, **overrides)
    await wait_for_station(ops, cp_id)
    return cp_id


async def _template(ops: Operations, key: str) -> dict[str, Any]:
    response = await ops.http.get("/v1/checklist-templates", headers=OPERATOR)
    assert response.status_code == 200
    return next(t for t in response.json() if t["key"] == key)


async def _inspections(ops: Operations, cp_id: str) -> list[dict[str, Any]]:
    response = await ops.http.get(
        "/v1/inspections", params={"charge_point_id": cp_id}, headers=OPERATOR
    )
    assert response.status_code == 200
    inspections: list[dict[str, Any]] = response.json()
    return inspections


async def _wait_inspections(ops: Operations, cp_id: str, count: int = 1) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def generated() -> bool:
        found[:] = await _inspections(ops, cp_id)
        return len(found) >= count

    await eventually(generated, timeout=30)
    return found


async def _add_equipment(ops: Operations, cp_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    response = await ops.http.post(
        "/v1/security-equipment",
        json={"charge_point_id": cp_id, "kind": kind, **extra},
        headers=OPERATOR,
    )
    assert response.status_code == 201, response.text
    equipment: dict[str, Any] = response.json()
    return equipment


async def test_default_templates_are_shipped(ops: Operations) -> None:
    monthly = await _template(ops, "monthly-safety-walk")
    quarterly = await _template(ops, "quarterly-electrical-check")
    annual = await _template(ops, "annual-full-inspection")
    assert monthly["default_interval_days"] == 30 and monthly["builtin"]
    assert {"rcd_test", "insulation_resistance", "cable_condition", "connector_condition"} <= {
        item["key"] for item in quarterly["items"]
    }
    kinds = {item["equipment_kind"] for item in monthly["items"]}
    assert {
        "surveillance_camera",
        "security_lighting",
        "emergency_stop_button",
        "fencing_or_bollards",
        "fire_extinguisher",
    } <= kinds
    assert {i["key"] for i in quarterly["items"]} <= {i["key"] for i in annual["items"]}


async def test_custom_template_keys_are_unique(ops: Operations) -> None:
    items = [{"key": "lights", "label": "Lights on", "equipment_kind": "security_lighting"}]
    body: dict[str, Any] = {
        "key": unique("night-check"),
        "name": "Night check",
        "default_interval_days": 7,
        "items": items,
    }
    created = await ops.http.post("/v1/checklist-templates", json=body, headers=OPERATOR)
    assert created.status_code == 201, created.text
    again = await ops.http.post("/v1/checklist-templates", json=body, headers=OPERATOR)
    assert again.status_code == 409
    doubled = {**body, "key": unique("x"), "items": items * 2}
    assert (
        await ops.http.post("/v1/checklist-templates", json=doubled, headers=OPERATOR)
    ).status_code == 422


async def test_overdue_inspection_raises_an_alert_resolved_by_completing_it(
    connectivity: Service, ops: Operations
) -> None:
    cp_id = await _station(connectivity, ops)
    camera = await _add_equipment(ops, cp_id, "surveillance_camera")
    lighting = await _add_equipment(ops, cp_id, "security_lighting")
    template = await _template(ops, "monthly-safety-walk")
    async with EventWatcher(OPERATIONS_ALERTS.name) as events:
        plan = await ops.http.post(
            "/v1/maintenance-plans",
            json={
                "name": "Monthly walk",
                "template_id": template["id"],
                "charge_point_id": cp_id,
                "first_due_at": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
                "grace_days": 1,
            },
            headers=OPERATOR,
        )
        assert plan.status_code == 201, plan.text
        [inspection] = await _wait_inspections(ops, cp_id)
        assert inspection["overdue"] is True
        assert len(inspection["items"]) == len(template["items"])
        alert = await wait_for_alert(ops, cp_id, "inspection_overdue")
        assert alert["details"]["inspection_id"] == inspection["id"]
        [opened] = await alert_events(events, "alert.opened", alert["id"])
        assert opened.data["kind"] == "inspection_overdue"
        # The plan moved on: its next inspection lies in the future, not one per missed month.
        plan_now = (
            await ops.http.get(f"/v1/maintenance-plans/{plan.json()['id']}", headers=OPERATOR)
        ).json()
        assert datetime.fromisoformat(plan_now["next_due_at"]) > datetime.now(UTC)

        results = [
            {"key": item["key"], "result": "pass"}
            for item in inspection["items"]
            if item["key"] not in ("security_lighting", "signage")
        ]
        url = f"/v1/inspections/{inspection['id']}/complete"
        incomplete = await ops.http.post(url, json={"items": results}, headers=OPERATOR)
        assert incomplete.status_code == 422
        assert "security_lighting" in incomplete.json()["detail"]
        results += [
            {
                "key": "security_lighting",
                "result": "fail",
                "note": "lamp 2 dead",
                "photos": ["s3://ladda-photos/lamp2.jpg"],
            },
            {"key": "signage", "result": "not_applicable"},
        ]
        unknown = await ops.http.post(
            url, json={"items": [*results, {"key": "nope", "result": "pass"}]}, headers=OPERATOR
        )
        assert unknown.status_code == 422
        done = await ops.http.post(url, json={"items": results, "note": "ok"}, headers=OPERATOR)
        assert done.status_code == 200, done.text
        completed = done.json()["inspection"]
        assert completed["status"] == "completed"
        assert completed["completed_by"] == "operator-1"
        assert completed["completed_at"] is not None
        lamp = next(i for i in completed["items"] if i["key"] == "security_lighting")
        assert lamp["photos"] == ["s3://ladda-photos/lamp2.jpg"]
        assert lamp["work_order_id"] in done.json()["work_order_ids"]
        resolved = await wait_for_alert(ops, cp_id, "inspection_overdue", status="resolved")
        assert resolved["id"] == alert["id"]
        await alert_events(events, "alert.resolved", alert["id"])
        again = await ops.http.post(url, json={"items": results}, headers=OPERATOR)
        assert again.status_code == 409

    tested_camera = (
        await ops.http.get(f"/v1/security-equipment/{camera['id']}", headers=OPERATOR)
    ).json()
    tested_lighting = (
        await ops.http.get(f"/v1/security-equipment/{lighting['id']}", headers=OPERATOR)
    ).json()
    assert tested_camera["last_tested_at"] is not None and tested_camera["state"] == "working"
    assert tested_lighting["last_tested_at"] is not None and tested_lighting["state"] == "faulty"
    [order] = (
        await ops.http.get("/v1/work-orders", params={"charge_point_id": cp_id}, headers=OPERATOR)
    ).json()
    assert order["source"] == "inspection" and order["inspection_item"] == "security_lighting"
    assert order["requires_inoperative"] is False


async def test_site_plan_generates_one_inspection_per_station_once(
    connectivity: Service, ops: Operations
) -> None:
    site = unique("site")
    first = await _station(connectivity, ops, location=Location(site_name=site))
    second = await _station(connectivity, ops, location=Location(site_name=site))
    template = await _template(ops, "quarterly-electrical-check")
    due = datetime.now(UTC) + timedelta(days=3)  # within the lead time: generated now
    plan = await ops.http.post(
        "/v1/maintenance-plans",
        json={
            "name": "Quarterly electrical",
            "template_id": template["id"],
            "site": site,
            "first_due_at": due.isoformat(),
            "grace_days": 7,
        },
        headers=OPERATOR,
    )
    assert plan.status_code == 201, plan.text
    assert plan.json()["interval_days"] == 91
    for cp_id in (first, second):
        [inspection] = await _wait_inspections(ops, cp_id)
        assert inspection["overdue"] is False
        assert inspection["template_name"] == "Quarterly electrical check"
    # Many more evaluation rounds later, still one inspection each.
    for _ in range(3):
        await evaluate_once(ops.app.state.runtime, ops.settings)
    assert len(await _inspections(ops, first)) == 1
    assert len(await _inspections(ops, second)) == 1
    both = await ops.http.post(
        "/v1/maintenance-plans",
        json={"name": "x", "template_id": template["id"], "site": site, "charge_point_id": first},
        headers=OPERATOR,
    )
    assert both.status_code == 422


async def test_public_safety_read_shows_only_working_features(
    connectivity: Service, ops: Operations
) -> None:
    cp_id = await _station(connectivity, ops)
    await _add_equipment(ops, cp_id, "security_lighting")
    camera = await _add_equipment(ops, cp_id, "surveillance_camera", state="faulty")
    async with httpx.AsyncClient(base_url=ops.url) as anonymous:
        safety = await anonymous.get(f"/v1/station-safety/{cp_id}")
        assert safety.status_code == 200
        assert safety.json() == {
            "charge_point_id": cp_id,
            "lit": True,
            "camera_monitored": False,
            "emergency_stop": False,
            "fenced": False,
            "fire_extinguisher": False,
        }
        fixed = await ops.http.patch(
            f"/v1/security-equipment/{camera['id']}", json={"state": "working"}, headers=OPERATOR
        )
        assert fixed.status_code == 200
        assert (await anonymous.get(f"/v1/station-safety/{cp_id}")).json()["camera_monitored"]
        assert (await anonymous.get("/v1/station-safety/NO-SUCH-CP")).status_code == 404
    listed = await ops.http.get(
        "/v1/security-equipment", params={"charge_point_id": cp_id}, headers=OPERATOR
    )
    assert {e["kind"] for e in listed.json()} == {"security_lighting", "surveillance_camera"}
    gone = await ops.http.delete(f"/v1/security-equipment/{camera['id']}", headers=OPERATOR)
    assert gone.status_code == 204
    assert (
        await ops.http.get(f"/v1/security-equipment/{camera['id']}", headers=OPERATOR)
    ).status_code == 404


async def test_operator_changes_and_retires_a_template_no_active_plan_uses(
    connectivity: Service, ops: Operations
) -> None:
    cp_id = await _station(connectivity, ops)
    created = await ops.http.post(
        "/v1/checklist-templates",
        json={
            "key": unique("winter-check"),
            "name": "Winter check",
            "default_interval_days": 14,
            "items": [
                {"key": "lights", "label": "Lights on", "equipment_kind": "security_lighting"},
                {"key": "snow", "label": "Bays cleared of snow"},
            ],
        },
        headers=OPERATOR,
    )
    assert created.status_code == 201, created.text
    template = created.json()
    url = f"/v1/checklist-templates/{template['id']}"
    before = await ops.http.post(
        "/v1/inspections",
        json={"template_id": template["id"], "charge_point_id": cp_id},
        headers=OPERATOR,
    )
    assert before.status_code == 201, before.text

    # The checklist is replaced as a whole, in its new order; the key never changes.
    changed = await ops.http.patch(
        url,
        json={
            "name": "Winter walk",
            "items": [
                {"key": "snow", "label": "Bays cleared of snow"},
                {"key": "ice", "label": "No ice at the connectors", "inoperative_on_fail": True},
                {"key": "lights", "label": "Lights on", "equipment_kind": "security_lighting"},
            ],
        },
        headers=OPERATOR,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Winter walk"
    assert [item["key"] for item in changed.json()["items"]] == ["snow", "ice", "lights"]
    assert changed.json()["updated_at"] > template["updated_at"]
    doubled = await ops.http.patch(
        url,
        json={"items": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]},
        headers=OPERATOR,
    )
    assert doubled.status_code == 422
    assert ["body", "items"] in [error["loc"] for error in doubled.json()["errors"]]
    assert (await ops.http.patch(url, json={"key": "other"}, headers=OPERATOR)).status_code == 422

    # An inspection copies the checklist when it is created: only later ones see the change.
    after = await ops.http.post(
        "/v1/inspections",
        json={"template_id": template["id"], "charge_point_id": cp_id},
        headers=OPERATOR,
    )
    assert [item["key"] for item in after.json()["items"]] == ["snow", "ice", "lights"]
    kept = await ops.http.get(f"/v1/inspections/{before.json()['id']}", headers=OPERATOR)
    assert [item["key"] for item in kept.json()["items"]] == ["lights", "snow"]

    # An active plan keeps the template in service.
    plan = await ops.http.post(
        "/v1/maintenance-plans",
        json={"name": "Winter", "template_id": template["id"], "charge_point_id": cp_id},
        headers=OPERATOR,
    )
    assert plan.status_code == 201, plan.text
    refused = await ops.http.patch(url, json={"retired": True}, headers=OPERATOR)
    assert refused.status_code == 409
    assert refused.json()["active_plans"] == 1
    plan_url = f"/v1/maintenance-plans/{plan.json()['id']}"
    assert (
        await ops.http.patch(plan_url, json={"active": False}, headers=OPERATOR)
    ).status_code == 200
    retired = await ops.http.patch(url, json={"retired": True}, headers=OPERATOR)
    assert retired.status_code == 200, retired.text
    assert retired.json()["retired_at"] is not None

    # Retired: kept for what points at it, offered for nothing new.
    offered = await ops.http.get(
        "/v1/checklist-templates", params={"retired": "false"}, headers=OPERATOR
    )
    assert template["id"] not in {t["id"] for t in offered.json()}
    assert (await ops.http.get(url, headers=OPERATOR)).status_code == 200
    for path, body in (
        ("/v1/inspections", {"template_id": template["id"], "charge_point_id": cp_id}),
        ("/v1/maintenance-plans", {"name": "x", "template_id": template["id"], "site": "s"}),
    ):
        assert (await ops.http.post(path, json=body, headers=OPERATOR)).status_code == 422
    reactivated = await ops.http.patch(plan_url, json={"active": True}, headers=OPERATOR)
    assert reactivated.status_code == 409
    restored = await ops.http.patch(url, json={"retired": False}, headers=OPERATOR)
    assert restored.json()["retired_at"] is None


async def test_shipped_templates_do_not_change(ops: Operations) -> None:
    monthly = await _template(ops, "monthly-safety-walk")
    url = f"/v1/checklist-templates/{monthly['id']}"
    refused = await ops.http.patch(url, json={"name": "Our walk"}, headers=OPERATOR)
    assert refused.status_code == 409
    assert "copy it" in refused.json()["detail"]
    assert (await ops.http.get(url, headers=OPERATOR)).json()["name"] == "Monthly safety walk"
    missing = "/v1/checklist-templates/00000000-0000-0000-0000-000000000000"
    assert (await ops.http.patch(missing, json={}, headers=OPERATOR)).status_code == 404
