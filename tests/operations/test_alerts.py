"""Alerts raised from simulated chargers through a real connectivity service and Kafka:
offline with debounce and hold-down, faults with flapping, emergency stop, tamper, security
events, firmware failures and repeated failed logins; operators acknowledge and resolve."""

from __future__ import annotations

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
from websockets.exceptions import InvalidStatus

from shared.clock import ocpp_time as now
from shared.events.topics import OPERATIONS_ALERTS
from tests.connectivity.clients import charger, raw
from tests.connectivity.support import EventWatcher, Service, new_charge_point
from tests.helpers.polling import eventually
from tests.operations.support import (
    OPERATOR,
    Operations,
    alert_events,
    alerts_of,
    wait_for_alert,
    wait_for_station,
)

# A hold-down longer than the others' default: the flapping test must re-fault within it even
# when the machine is loaded and events take seconds to arrive.
OPERATIONS_SETTINGS = {"alert_hold_down_s": 8.0}
# Where connectivity rate-limits security events per source and kind, a short interval.
CONNECTIVITY_SETTINGS = {"ocpp_security_event_interval_s": 1.0}


async def _station(connectivity: Service, ops: Operations) -> tuple[str, str]:
    cp_id, password = await new_charge_point(connectivity)
    await wait_for_station(ops, cp_id)
    return cp_id, password


async def _online(ops: Operations, cp_id: str) -> bool:
    return bool(
        await ops.pool.fetchval(
            "select online and offline_since is null from stations where charge_point_id = $1",
            cp_id,
        )
    )


async def _clearing(ops: Operations, cp_id: str) -> bool:
    alerts = await alerts_of(ops, cp_id, "connector_faulted")
    return alerts[0]["clear_since"] is not None


async def test_quick_reconnect_raises_no_offline_alert(
    connectivity: Service, ops: Operations
) -> None:
    quick, quick_password = await _station(connectivity, ops)
    gone, gone_password = await _station(connectivity, ops)
    async with charger(connectivity.ocpp_url, quick, quick_password):
        pass
    async with charger(connectivity.ocpp_url, gone, gone_password):
        pass
    async with charger(connectivity.ocpp_url, quick, quick_password):
        await eventually(lambda: _online(ops, quick), timeout=30)
        # The other charger stayed away longer than the debounce: its alert is the proof that
        # the rule ran past the quick charger's (earlier, shorter) outage.
        await wait_for_alert(ops, gone, "offline")
        assert await alerts_of(ops, quick, "offline") == []


async def test_offline_beyond_debounce_alerts_then_resolves_after_reconnect(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)
    async with EventWatcher(OPERATIONS_ALERTS.name) as events:
        async with charger(connectivity.ocpp_url, cp_id, password):
            pass
        alert = await wait_for_alert(ops, cp_id, "offline", status="open")
        assert alert["severity"] == "medium"
        assert alert["site"] is not None
        [opened] = await alert_events(events, "alert.opened", alert["id"])
        assert opened.data["site"] == alert["site"]
        async with charger(connectivity.ocpp_url, cp_id, password):
            resolved = await wait_for_alert(ops, cp_id, "offline", status="resolved")
        assert resolved["id"] == alert["id"]
        assert resolved["resolved_automatically"] is True
        [published] = await alert_events(events, "alert.resolved", alert["id"])
        assert published.data["automatically"] is True


async def test_flapping_fault_keeps_one_alert_until_clear_past_hold_down(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)

    def status(state: str, code: str = "NoError") -> call16.StatusNotification:
        return call16.StatusNotification(
            connector_id=1, error_code=code, status=state, vendor_error_code="E-4711"
        )

    async with (
        EventWatcher(OPERATIONS_ALERTS.name) as events,
        charger(connectivity.ocpp_url, cp_id, password) as cp,
    ):
        await cp.call(status("Faulted", "GroundFailure"))
        alert = await wait_for_alert(ops, cp_id, "connector_faulted")
        assert alert["severity"] == "high"  # a ground fault is a hazard
        assert alert["connector_id"] == 1
        assert alert["details"]["error_code"] == "GroundFailure"
        assert alert["details"]["vendor_code"] == "E-4711"
        # Flapping: cleared and faulted again within the hold-down, twice.
        for occurrence in (2, 3):
            await cp.call(status("Available"))
            await eventually(lambda: _clearing(ops, cp_id), timeout=60)
            await cp.call(status("Faulted", "GroundFailure"))
            flapped = await wait_for_alert(
                ops, cp_id, "connector_faulted", occurrences=occurrence, clear_since=None
            )
            assert flapped["id"] == alert["id"] and flapped["status"] == "open"
        await cp.call(status("Available"))
        resolved = await wait_for_alert(ops, cp_id, "connector_faulted", status="resolved")
        assert resolved["id"] == alert["id"]
        await alert_events(events, "alert.resolved", alert["id"])
        assert len(await alert_events(events, "alert.opened", alert["id"])) == 1
        assert len(await alerts_of(ops, cp_id, "connector_faulted")) == 1


async def test_emergency_stop_and_tamper_publish_high_severity_alerts(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)
    async with (
        EventWatcher(OPERATIONS_ALERTS.name) as events,
        charger(connectivity.ocpp_url, cp_id, password) as cp,
    ):
        await cp.call(
            call16.StatusNotification(
                connector_id=2,
                error_code="OtherError",
                status="Faulted",
                vendor_error_code="EmergencyStop",
            )
        )
        await cp.call(
            call16.SecurityEventNotification(
                type="TamperDetectionActivated", timestamp=now(), tech_info="door opened"
            )
        )
        stop = await wait_for_alert(ops, cp_id, "emergency_stop")
        tamper = await wait_for_alert(ops, cp_id, "tamper")
        assert stop["severity"] == tamper["severity"] == "high"
        assert tamper["details"]["tech_info"] == "door opened"
        [stop_opened] = await alert_events(events, "alert.opened", stop["id"])
        [tamper_opened] = await alert_events(events, "alert.opened", tamper["id"])
        for event, kind in ((stop_opened, "emergency_stop"), (tamper_opened, "tamper")):
            assert (event.data["kind"], event.data["severity"]) == (kind, "high")
            assert event.data["site"] == stop["site"] is not None


async def test_other_security_events_by_criticality_and_firmware_failures(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)
    async with charger(connectivity.ocpp_url, cp_id, password) as cp:
        await cp.call(
            call16.SecurityEventNotification(
                type="SecurityLogWasCleared", timestamp=now(), tech_info=None
            )
        )
        await cp.call(
            call16.SecurityEventNotification(
                type="InvalidMessages", timestamp=now(), tech_info=None
            )
        )
        await cp.call(call16.FirmwareStatusNotification(status="InstallationFailed"))
        critical = await wait_for_alert(
            ops, cp_id, "security_event", title=f"Security event SecurityLogWasCleared at {cp_id}"
        )
        minor = await wait_for_alert(
            ops, cp_id, "security_event", title=f"Security event InvalidMessages at {cp_id}"
        )
        firmware = await wait_for_alert(ops, cp_id, "firmware_update_failed")
    assert critical["severity"] == "high"
    assert minor["severity"] == "low"
    assert firmware["severity"] == "medium"
    assert firmware["details"]["status"] == "InstallationFailed"


async def test_repeated_failed_logins_raise_one_alert(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)
    attempts = 0

    async def attacked() -> bool:
        # Someone keeps trying passwords. (Connectivity reports one security event per address
        # and interval; the attempts it held back follow, counted, when the interval ends.)
        nonlocal attempts
        attempts += 1
        with pytest.raises(InvalidStatus):
            async with raw(connectivity.ocpp_url, cp_id, "not-the-password-at-all"):
                pass
        return bool(await alerts_of(ops, cp_id, "failed_logins"))

    await eventually(attacked, timeout=90, interval=0.3)
    [alert] = await alerts_of(ops, cp_id, "failed_logins")
    assert alert["severity"] == "high"
    assert alert["details"]["failures"] >= ops.settings.failed_logins_threshold

    async def every_attempt_counted() -> bool:
        counted = await ops.pool.fetchval(
            "select coalesce(sum(attempts), 0) from login_failures where charge_point_id = $1",
            cp_id,
        )
        return bool(counted == attempts)

    # Every attempt arrives (the held-back ones as one counted event) before the good login, so
    # a late summary does not read as a new failure after it.
    await eventually(every_attempt_counted, timeout=60)
    # Logging in with the right password clears it (after the hold-down).
    async with charger(connectivity.ocpp_url, cp_id, password):
        await wait_for_alert(ops, cp_id, "failed_logins", status="resolved")


async def test_operator_acknowledges_and_resolves_with_a_note(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await _station(connectivity, ops)
    async with (
        EventWatcher(OPERATIONS_ALERTS.name) as events,
        charger(connectivity.ocpp_url, cp_id, password) as cp,
    ):
        await cp.call(
            call16.SecurityEventNotification(
                type="TamperDetectionActivated", timestamp=now(), tech_info=None
            )
        )
        alert = await wait_for_alert(ops, cp_id, "tamper")
        url = f"/v1/alerts/{alert['id']}"
        acked = await ops.http.post(
            f"{url}/acknowledge", json={"note": "on my way"}, headers=OPERATOR
        )
        assert acked.status_code == 200, acked.text
        assert acked.json()["status"] == "acknowledged"
        assert acked.json()["acknowledged_by"] == "operator-1"
        again = await ops.http.post(f"{url}/acknowledge", json={}, headers=OPERATOR)
        assert again.status_code == 409
        resolved = await ops.http.post(
            f"{url}/resolve", json={"note": "cabinet door closed, seal replaced"}, headers=OPERATOR
        )
        assert resolved.status_code == 200
        assert resolved.json()["resolve_note"] == "cabinet door closed, seal replaced"
        assert (await ops.http.post(f"{url}/resolve", json={}, headers=OPERATOR)).status_code == 409
        [acknowledged] = await alert_events(events, "alert.acknowledged", alert["id"])
        assert acknowledged.data["note"] == "on my way"
        [final] = await alert_events(events, "alert.resolved", alert["id"])
        assert final.data["by"] == "operator-1"
        assert final.data["automatically"] is False
        # A new tamper after resolution is a new alert.
        await cp.call(
            call16.SecurityEventNotification(
                type="TamperDetectionActivated", timestamp=now(), tech_info=None
            )
        )
        await wait_for_alert(ops, cp_id, "tamper", status="open")
    assert len(await alerts_of(ops, cp_id, "tamper")) == 2
    missing = await ops.http.get("/v1/alerts/not-a-uuid", headers=OPERATOR)
    assert missing.status_code == 404


async def test_ocpp201_charger_fault_names_the_evse_and_tamper(
    connectivity: Service, ops: Operations
) -> None:
    cp_id, password = await new_charge_point(connectivity, ocpp_version="2.0.1")
    await wait_for_station(ops, cp_id)

    def status(state: str) -> call201.StatusNotification:
        return call201.StatusNotification(
            timestamp=now(), connector_status=state, evse_id=2, connector_id=1
        )

    async with charger(connectivity.ocpp_url, cp_id, password, "2.0.1") as cp:
        await cp.call(status("Faulted"))
        await cp.call(
            call201.SecurityEventNotification(type="TamperDetectionActivated", timestamp=now())
        )
        tamper = await wait_for_alert(ops, cp_id, "tamper")
        assert tamper["severity"] == "high"
        fault = await wait_for_alert(ops, cp_id, "connector_faulted")
        assert fault["connector_id"] == 2  # the EVSE, as work orders name it
        await cp.call(status("Available"))
        await wait_for_alert(ops, cp_id, "connector_faulted", status="resolved")
