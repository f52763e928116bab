"""Unit tests of the pure parts: alert rules, the plan's next due date, availability payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.operations.alerts import rules
from services.operations.maintenance.service import next_due
from services.operations.workorders.availability import change_availability


@pytest.mark.parametrize(
    ("error_code", "vendor_code", "kind", "severity"),
    [
        ("GroundFailure", None, "connector_faulted", "high"),
        ("OverCurrentFailure", "OC-1", "connector_faulted", "high"),
        ("ConnectorLockFailure", "L7", "connector_faulted", "medium"),
        (None, None, "connector_faulted", "medium"),
        ("OtherError", "EmergencyStop", "emergency_stop", "high"),
        ("OtherError", "EMERGENCY_STOP pressed", "emergency_stop", "high"),
    ],
)
def test_faulted_connector(
    error_code: str | None, vendor_code: str | None, kind: str, severity: str
) -> None:
    condition = rules.faulted("CP-1", 2, error_code, vendor_code)
    assert (condition.kind, condition.severity) == (kind, severity)
    assert condition.auto_resolve
    assert condition.key in rules.connector_keys("CP-1", 2)
    assert condition.details == {"error_code": error_code, "vendor_code": vendor_code}


@pytest.mark.parametrize(
    ("event_type", "kind", "severity"),
    [
        ("TamperDetectionActivated", "tamper", "high"),
        ("EmergencyStopPressed", "emergency_stop", "high"),
        ("SecurityLogWasCleared", "security_event", "high"),
        ("StartupOfTheDevice", "security_event", "high"),
        ("InvalidMessages", "security_event", "low"),
        ("AttemptedReplayAttacks", "security_event", "low"),
    ],
)
def test_security_events(event_type: str, kind: str, severity: str) -> None:
    condition = rules.security_event("CP-1", event_type, None)
    assert condition is not None
    assert (condition.kind, condition.severity) == (kind, severity)
    assert not condition.auto_resolve  # an operator looks at every one


@pytest.mark.parametrize("kind", sorted(rules.LOGIN_FAILURES))
def test_login_failures_are_counted_not_alerted_one_by_one(kind: str) -> None:
    assert rules.security_event("CP-1", kind, "handshake refused") is None


def test_charger_faults() -> None:
    firmware = rules.charger_fault("CP-1", "firmware_update_failed", "InstallationFailed")
    assert firmware is not None and firmware.severity == "medium"
    assert rules.charger_fault("CP-1", "connector_error", "GroundFailure") is None


def test_next_due_skips_missed_periods() -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    assert next_due(now - timedelta(days=1), 30, now) == now + timedelta(days=29)
    long_ago = now - timedelta(days=95)
    following = next_due(long_ago, 30, now)
    assert now < following <= now + timedelta(days=30)
    assert (following - long_ago) % timedelta(days=30) == timedelta(0)


def test_change_availability_payloads() -> None:
    assert change_availability("1.6", None, False) == {"connectorId": 0, "type": "Inoperative"}
    assert change_availability("1.6", 2, True) == {"connectorId": 2, "type": "Operative"}
    assert change_availability("2.0.1", None, False) == {"operationalStatus": "Inoperative"}
    assert change_availability("2.0.1", 1, True) == {
        "operationalStatus": "Operative",
        "evse": {"id": 1},
    }


def test_a_rate_limited_security_event_stands_for_the_attempts_it_held_back() -> None:
    assert rules.attempts(None) == 1
    assert rules.attempts("handshake refused") == 1
    assert rules.attempts("handshake refused (+12 more held back)") == 13


def test_a_safety_report_is_high_named_by_station_and_bounded() -> None:
    long = "x" * 5000
    condition = rules.station_safety("CP-1", "t-1", "s-1", "Cable cut", long, "2026-11-30T10:00Z")
    assert (condition.key, condition.kind, condition.severity) == (
        "station_safety:CP-1",
        "station_safety",
        "high",
    )
    assert not condition.auto_resolve
    assert len(condition.details["description"]) == rules.REPORT_TEXT_LIMIT
    alone = rules.station_safety(None, "t-2", None, "Lid", "loose", "2026-11-30T10:00Z")
    assert alone.key == "station_safety:ticket:t-2" and alone.charge_point_id is None
