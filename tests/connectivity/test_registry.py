"""Charge point registry REST, handshake security, boot, heartbeat, status, online/offline."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from ocpp.v16 import call
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from services.connectivity.chargepoints import service as cp_service
from shared.events.topics import CHARGEPOINTS_REGISTRY, CHARGEPOINTS_STATUS
from tests.connectivity.clients import basic, charger
from tests.connectivity.support import (
    OPERATOR,
    EventWatcher,
    Service,
    auth,
    new_charge_point,
    running,
    settings_for,
)
from tests.helpers.polling import eventually
from tests.helpers.stack import unique

# Short intervals so "offline after missed heartbeats" is observable in a test.
SETTINGS = {
    "heartbeat_interval_s": 1,
    "offline_after_missed_heartbeats": 2,
    "offline_sweep_interval_s": 0.2,
    "replica_heartbeat_s": 0.2,
}


async def handshake_status(
    service: Service, cp_id: str, headers: dict[str, str], subprotocols: list[str] | None = None
) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"{service.ocpp_url}/ocpp/{cp_id}",
            subprotocols=[
                Subprotocol(p) for p in (subprotocols if subprotocols is not None else ["ocpp1.6"])
            ],
            additional_headers=headers,
            open_timeout=5,
        ):
            pass
    return refused.value.response.status_code


async def test_operator_provisions_a_charger_and_its_password_is_shown_once(
    service: Service,
) -> None:
    cp_id = unique("CP-REST")
    async with EventWatcher(CHARGEPOINTS_REGISTRY.name) as events:
        created = await service.http.post(
            "/v1/charge-points",
            json={
                "id": cp_id,
                "ocpp_version": "1.6",
                "vendor": "ABB",
                "model": "Terra",
                "connectors": 2,
                "location": {"site_name": "Depot", "latitude": 59.3, "longitude": 18.0},
            },
            headers=OPERATOR,
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert len(body["password"]) >= 32 and body["approval"] == "pending"
        read = await service.http.get(f"/v1/charge-points/{cp_id}", headers=OPERATOR)
        assert "password" not in read.json() and read.json()["vendor"] == "ABB"
        stored = await service.pool.fetchval(
            "select password_hash from charge_points where id = $1", cp_id
        )
        assert body["password"] not in stored and stored.startswith("hmac-sha256$")
        approved = await service.http.post(f"/v1/charge-points/{cp_id}/approve", headers=OPERATOR)
        assert approved.json()["approval"] == "approved"
        found = await events.wait_for("charge-point.registry-changed", cp_id, count=2)
        assert found[-1].data["approval"] == "approved"
    duplicate = await service.http.post("/v1/charge-points", json={"id": cp_id}, headers=OPERATOR)
    assert duplicate.status_code == 409


async def test_registry_needs_staff_and_rejects_short_passwords(service: Service) -> None:
    driver = await service.http.get("/v1/charge-points", headers=auth("driver-1", "driver"))
    assert driver.status_code == 403
    anonymous = await service.http.get("/v1/charge-points")
    assert anonymous.status_code == 401
    short = await service.http.post(
        "/v1/charge-points", json={"id": unique("CP"), "password": "short"}, headers=OPERATOR
    )
    assert short.status_code == 422


async def test_update_and_list_charge_points(service: Service) -> None:
    cp_id, _ = await new_charge_point(service)
    patched = await service.http.patch(
        f"/v1/charge-points/{cp_id}", json={"model": "T2", "connectors": 4}, headers=OPERATOR
    )
    assert patched.json()["model"] == "T2" and patched.json()["connectors"] == 4
    listed = await service.http.get(
        "/v1/charge-points", params={"approval": "approved", "limit": 1000}, headers=OPERATOR
    )
    assert cp_id in [cp["id"] for cp in listed.json()]


async def test_handshake_refuses_unknown_wrong_password_retired_and_missing_credentials(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service)
    assert await handshake_status(service, cp_id, {}) == 401
    assert await handshake_status(service, cp_id, {"Authorization": basic(cp_id, "x" * 20)}) == 401
    assert (
        await handshake_status(service, "NOPE-1", {"Authorization": basic("NOPE-1", password)})
        == 401
    )
    # The username must be the charger's own id.
    other, other_password = await new_charge_point(service)
    assert (
        await handshake_status(service, cp_id, {"Authorization": basic(other, other_password)})
        == 401
    )
    await service.http.post(f"/v1/charge-points/{cp_id}/retire", headers=OPERATOR)
    assert await handshake_status(service, cp_id, {"Authorization": basic(cp_id, password)}) == 401

    async def recorded() -> bool:
        kinds = {
            r["kind"]
            for r in await service.pool.fetch(
                "select kind from security_events where charge_point_id = $1", cp_id
            )
        }
        return {"missing_credentials", "wrong_password", "retired_charge_point"} <= kinds

    await eventually(recorded)


async def test_handshake_refuses_unsupported_or_missing_subprotocol(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    headers = {"Authorization": basic(cp_id, password)}
    assert await handshake_status(service, cp_id, headers, ["ocpp1.5"]) == 400
    assert await handshake_status(service, cp_id, headers, []) == 400


async def test_refusal_leaks_no_detail(service: Service) -> None:
    cp_id, _ = await new_charge_point(service)
    with pytest.raises(InvalidStatus) as unknown:
        async with connect(
            f"{service.ocpp_url}/ocpp/GHOST",
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers={"Authorization": basic("GHOST", "y" * 20)},
        ):
            pass
    with pytest.raises(InvalidStatus) as wrong:
        async with connect(
            f"{service.ocpp_url}/ocpp/{cp_id}",
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers={"Authorization": basic(cp_id, "y" * 20)},
        ):
            pass
    assert unknown.value.response.body == wrong.value.response.body


async def test_pending_charger_boots_pending_then_accepted_once_approved(service: Service) -> None:
    cp_id, password = await new_charge_point(service, approval="pending")
    async with charger(service.ocpp_url, cp_id, password) as cp:
        first = await cp.call(
            call.BootNotification(
                charge_point_vendor="Test", charge_point_model="T1", firmware_version="1.0.0"
            )
        )
        assert first.status == "Pending"
        await service.http.post(f"/v1/charge-points/{cp_id}/approve", headers=OPERATOR)
        second = await cp.call(
            call.BootNotification(
                charge_point_vendor="Test", charge_point_model="T1", firmware_version="1.0.1"
            )
        )
        assert second.status == "Accepted" and second.interval == 1
    read = await service.http.get(f"/v1/charge-points/{cp_id}", headers=OPERATOR)
    assert read.json()["firmware_version"] == "1.0.1" and read.json()["last_boot_at"] is not None


async def test_boot_heartbeat_and_status_on_both_versions(service: Service) -> None:
    cp16, pw16 = await new_charge_point(service)
    cp201, pw201 = await new_charge_point(service, ocpp_version="2.0.1")
    async with EventWatcher(CHARGEPOINTS_STATUS.name) as events:
        async with (
            charger(service.ocpp_url, cp16, pw16) as a,
            charger(service.ocpp_url, cp201, pw201, "2.0.1") as b,
        ):
            boot16 = await a.call(
                call16.BootNotification(charge_point_vendor="V", charge_point_model="M")
            )
            assert boot16.status == "Accepted"
            assert (await a.call(call16.Heartbeat())).current_time
            await a.call(
                call16.StatusNotification(connector_id=1, error_code="NoError", status="Available")
            )
            await a.call(
                call16.StatusNotification(
                    connector_id=2,
                    error_code="GroundFailure",
                    status="Faulted",
                    vendor_error_code="E-17",
                )
            )
            boot201 = await b.call(
                call201.BootNotification(
                    charging_station={"vendor_name": "V", "model": "M2"}, reason="PowerUp"
                )
            )
            assert boot201.status == "Accepted"
            assert (await b.call(call201.Heartbeat())).current_time
            await b.call(
                call201.StatusNotification(
                    timestamp="2026-01-01T00:00:00Z",
                    connector_status="Occupied",
                    evse_id=1,
                    connector_id=1,
                )
            )
            # EVSE 2's connector 1 is another connector with the same number (2.0.1).
            await b.call(
                call201.StatusNotification(
                    timestamp="2026-01-01T00:00:00Z",
                    connector_status="Occupied",
                    evse_id=2,
                    connector_id=1,
                )
            )
            connectors16 = (
                await service.http.get(f"/v1/charge-points/{cp16}/connectors", headers=OPERATOR)
            ).json()
            assert [(c["connector_id"], c["status"]) for c in connectors16] == [
                (1, "Available"),
                (2, "Faulted"),
            ]
            connectors201 = (
                await service.http.get(f"/v1/charge-points/{cp201}/connectors", headers=OPERATOR)
            ).json()
            assert [(c["evse_id"], c["connector_id"], c["status"]) for c in connectors201] == [
                (1, 1, "Occupied"),
                (2, 1, "Occupied"),
            ]
            assert connectors16[1]["vendor_error_code"] == "E-17"
            assert (await service.http.get(f"/v1/charge-points/{cp16}", headers=OPERATOR)).json()[
                "online"
            ]
        await events.wait_for("charge-point.connected", cp16)
        await events.wait_for("charge-point.booted", cp201)
        status = await events.wait_for("connector.status-changed", cp16, count=2)
        assert {e.data["status"] for e in status} == {"Available", "Faulted"}
        faulted = next(e for e in status if e.data["status"] == "Faulted")
        assert faulted.data["vendor_error_code"] == "E-17" and faulted.data["info"] is None
        per_evse = await events.wait_for("connector.status-changed", cp201, count=2)
        assert sorted(e.data["evse_id"] for e in per_evse) == [1, 2]
        await events.wait_for("charge-point.fault", cp16)
        closed = await events.wait_for("charge-point.disconnected", cp16)
        assert closed[0].data["reason"] == "closed"
    history = await service.http.get(f"/v1/charge-points/{cp16}/status-history", headers=OPERATOR)
    assert len(history.json()) == 2


async def test_silent_charger_goes_offline_after_missed_heartbeats(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with (
        EventWatcher(CHARGEPOINTS_STATUS.name) as events,
        charger(service.ocpp_url, cp_id, password) as cp,
    ):
        # Connected but silent: after 2 intervals of 1 s it counts as offline.
        gone = await events.wait_for("charge-point.disconnected", cp_id, timeout=15)
        assert gone[0].data["reason"] == "heartbeat_missed"
        read = await service.http.get(f"/v1/charge-points/{cp_id}", headers=OPERATOR)
        assert read.json()["online"] is False
        # It speaks again: back online.
        await cp.call(call.Heartbeat())
        await events.wait_for("charge-point.connected", cp_id, count=2)
        read = await service.http.get(f"/v1/charge-points/{cp_id}", headers=OPERATOR)
        assert read.json()["online"] is True


async def test_second_connection_replaces_the_first(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with charger(service.ocpp_url, cp_id, password) as first:
        await first.call(call.Heartbeat())
        async with charger(service.ocpp_url, cp_id, password) as second:
            await eventually(lambda: _closed(first))
            assert (await second.call(call.Heartbeat())).current_time
            hub = service.app.state.hub
            assert hub.connections[cp_id].id == cp_id
            read = await service.http.get(f"/v1/charge-points/{cp_id}", headers=OPERATOR)
            assert read.json()["online"] is True
            holder = await service.pool.fetchval(
                "select count(*) from charge_point_presence where charge_point_id = $1", cp_id
            )
            assert holder == 1


async def _closed(client: Any) -> bool:
    return client._connection.state.name == "CLOSED"  # type: ignore[no-any-return]


async def test_rotated_password_replaces_the_old_one(service: Service) -> None:
    cp_id, old = await new_charge_point(service)
    rotated = await service.http.post(
        f"/v1/charge-points/{cp_id}/password", json={}, headers=OPERATOR
    )
    new = rotated.json()["password"]
    assert new != old
    assert await handshake_status(service, cp_id, {"Authorization": basic(cp_id, old)}) == 401
    async with charger(service.ocpp_url, cp_id, new):
        pass
    chosen = await service.http.post(
        f"/v1/charge-points/{cp_id}/password",
        json={"password": "an-operator-chosen-secret"},
        headers=OPERATOR,
    )
    assert chosen.json()["password"] == "an-operator-chosen-secret"


async def test_locations_are_public_with_connector_availability(service: Service) -> None:
    cp_id, password = await new_charge_point(
        service, location={"site_name": "Map Site", "latitude": 1.0, "longitude": 2.0}
    )
    async with charger(service.ocpp_url, cp_id, password) as cp:
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Available")
        )
        async with httpx.AsyncClient(base_url=service.url) as anonymous:
            sites = (await anonymous.get("/v1/locations")).json()
    site = next(s for s in sites if s["site_name"] == "Map Site")
    assert site["connectors_total"] == 2 and site["connectors_available"] == 1


async def test_seed_file_provisions_approved_chargers(service: Service, tmp_path: Any) -> None:
    entries = [
        {
            "id": f"SEED-{i}",
            "password": f"seed-password-{i:06d}",
            "ocpp_version": "1.6",
            "vendor": "S",
            "model": "M",
            "serial_number": f"S{i}",
            "connectors": 1,
            "location": {"site_name": "Seed", "address": "a", "latitude": 1.0, "longitude": 2.0},
        }
        for i in range(2000)
    ]
    path = tmp_path / "chargers.json"
    path.write_text(json.dumps({"charge_points": entries}))
    started = asyncio.get_running_loop().time()
    async with service.pool.acquire() as conn, conn.transaction():
        assert await cp_service.seed(conn, path) == 2000
    assert asyncio.get_running_loop().time() - started < 10
    async with charger(service.ocpp_url, "SEED-1999", "seed-password-001999"):
        pass


async def test_retiring_a_connected_charger_disconnects_it(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with charger(service.ocpp_url, cp_id, password) as cp:
        retired = await service.http.post(f"/v1/charge-points/{cp_id}/retire", headers=OPERATOR)
        assert retired.json()["approval"] == "retired"
        await eventually(lambda: _closed(cp))
    assert cp._connection.close_code == 1008


async def test_stopping_a_replica_marks_its_chargers_offline(service: Service) -> None:
    cp_id, password = await new_charge_point(service)
    async with (
        running(settings_for(service.dsn)) as replica,
        charger(replica.ocpp_url, cp_id, password),
    ):
        assert (await service.http.get(f"/v1/charge-points/{cp_id}", headers=OPERATOR)).json()[
            "online"
        ]
    read = await service.http.get(f"/v1/charge-points/{cp_id}", headers=OPERATOR)
    assert read.json()["online"] is False
    presence = await service.pool.fetchval(
        "select count(*) from charge_point_presence where charge_point_id = $1", cp_id
    )
    assert presence == 0
