"""The alert rules: which condition an event raises or clears, its severity and wording.

Pure functions of the event (no I/O), so each rule is read and tested in one place. Conditions
are named by a key; one unresolved alert exists per key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# OCPP security events flagged critical in the specifications' security event lists
# (OCPP 2.0.1 Appendix 1 and the 1.6 security whitepaper's names): high severity.
CRITICAL_SECURITY_EVENTS = frozenset(
    {
        "FirmwareUpdated",
        "SettingSystemTime",
        "StartupOfTheDevice",
        "ResetOrReboot",
        "SecurityLogWasCleared",
        "MemoryExhaustion",
        "TamperDetectionActivated",
        "MaintenanceLoginAccepted",
        "MaintenanceLoginFailed",
    }
)
TAMPER_EVENTS = frozenset({"TamperDetectionActivated"})
# A refused handshake (connectivity's kinds) or a charger reporting it could not log in.
LOGIN_FAILURES = frozenset(
    {
        "missing_credentials",
        "bad_credentials",
        "unknown_charge_point",
        "wrong_password",
        "retired_charge_point",
        "FailedToAuthenticateAtCsms",
        "FailedToAuthenticateAtCentralSystem",
    }
)
# Connector error codes that are a hazard, not just an outage.
HAZARDOUS_ERRORS = frozenset(
    {"GroundFailure", "OverCurrentFailure", "OverVoltage", "HighTemperature", "PowerSwitchFailure"}
)
FAULT_KINDS = {
    "firmware_update_failed": ("medium", "Firmware update failed"),
    "diagnostics_upload_failed": ("low", "Diagnostics upload failed"),
    "log_upload_failed": ("low", "Log upload failed"),
}


# Connectivity sends at most one security event per source and kind per interval and reports
# the ones it held back in the next event's detail: "... (+12 more held back)".
_HELD_BACK = re.compile(r"\(\+(\d+) more held back\)")


def attempts(detail: str | None) -> int:
    """How many occurrences one security event stands for (itself and those held back)."""
    found = _HELD_BACK.search(detail or "")
    return 1 + int(found.group(1)) if found else 1


@dataclass(frozen=True)
class Condition:
    key: str
    kind: str
    severity: str
    title: str
    charge_point_id: str | None
    connector_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # Cleared by a later event (then resolved after the hold-down), or only by an operator.
    auto_resolve: bool = False


def is_emergency_stop(*texts: str | None) -> bool:
    """Emergency stops have no standard OCPP code: chargers report them as a vendor error code
    (1.6 `vendorErrorCode`/`info`), a vendor security event type, or 2.0.1 text."""
    return any(
        text is not None and "emergencystop" in text.replace("_", "").replace(" ", "").lower()
        for text in texts
    )


def offline(cp_id: str, since: str) -> Condition:
    return Condition(
        key=f"offline:{cp_id}",
        kind="offline",
        severity="medium",
        title=f"Charger {cp_id} is offline",
        charge_point_id=cp_id,
        details={"offline_since": since},
        auto_resolve=True,
    )


def connector_keys(cp_id: str, connector_id: int) -> tuple[str, str]:
    """The status-driven conditions of one connector (fault, emergency stop)."""
    return f"connector_faulted:{cp_id}:{connector_id}", f"emergency_stop:{cp_id}:{connector_id}"


def faulted(
    cp_id: str, connector_id: int, error_code: str | None, vendor_code: str | None
) -> Condition:
    fault_key, stop_key = connector_keys(cp_id, connector_id)
    details = {"error_code": error_code, "vendor_code": vendor_code}
    if is_emergency_stop(error_code, vendor_code):
        return Condition(
            key=stop_key,
            kind="emergency_stop",
            severity="high",
            title=f"Emergency stop pressed at {cp_id} connector {connector_id}",
            charge_point_id=cp_id,
            connector_id=connector_id,
            details=details,
            auto_resolve=True,
        )
    severity = "high" if error_code in HAZARDOUS_ERRORS else "medium"
    return Condition(
        key=fault_key,
        kind="connector_faulted",
        severity=severity,
        title=f"Connector {connector_id} of {cp_id} faulted ({error_code or 'no error code'})",
        charge_point_id=cp_id,
        connector_id=connector_id,
        details=details,
        auto_resolve=True,
    )


def security_event(cp_id: str, kind: str, detail: str | None) -> Condition | None:
    """A security event reported by the charger; None for login failures (counted instead)."""
    if kind in LOGIN_FAILURES:
        return None
    details = {"event_type": kind, "tech_info": detail}
    if kind in TAMPER_EVENTS:
        return Condition(
            key=f"tamper:{cp_id}",
            kind="tamper",
            severity="high",
            title=f"Tamper detected at {cp_id}",
            charge_point_id=cp_id,
            details=details,
        )
    if is_emergency_stop(kind, detail):
        return Condition(
            key=f"emergency_stop:{cp_id}",
            kind="emergency_stop",
            severity="high",
            title=f"Emergency stop pressed at {cp_id}",
            charge_point_id=cp_id,
            details=details,
        )
    return Condition(
        key=f"security_event:{cp_id}:{kind}",
        kind="security_event",
        severity="high" if kind in CRITICAL_SECURITY_EVENTS else "low",
        title=f"Security event {kind} at {cp_id}",
        charge_point_id=cp_id,
        details=details,
    )


def failed_logins(cp_id: str, count: int, window_s: float) -> Condition:
    return Condition(
        key=f"failed_logins:{cp_id}",
        kind="failed_logins",
        severity="high",
        title=f"Repeated failed logins as charger {cp_id}",
        charge_point_id=cp_id,
        details={"failures": count, "window_s": window_s},
        auto_resolve=True,
    )


def charger_fault(cp_id: str, kind: str, detail: str | None) -> Condition | None:
    """Firmware, diagnostics and log failures; connector errors come from the status rule."""
    if kind not in FAULT_KINDS:
        return None
    severity, title = FAULT_KINDS[kind]
    return Condition(
        key=f"{kind}:{cp_id}",
        kind=kind,
        severity=severity,
        title=f"{title} on {cp_id}",
        charge_point_id=cp_id,
        details={"status": detail},
    )


def inspection_overdue(cp_id: str, inspection_id: str, template: str, due_at: str) -> Condition:
    return Condition(
        key=f"inspection_overdue:{inspection_id}",
        kind="inspection_overdue",
        severity="medium",
        title=f"Inspection '{template}' of {cp_id} is overdue",
        charge_point_id=cp_id,
        details={"inspection_id": inspection_id, "due_at": due_at},
    )


# A driver's words travel in the alert (operators act on them) but are cut to a bounded size.
REPORT_TEXT_LIMIT = 1000


def station_safety(
    cp_id: str | None,
    ticket_id: str,
    session_id: str | None,
    subject: str,
    description: str,
    reported_at: str,
) -> Condition:
    """A driver reported damage or a hazard (support's safety ticket). One unresolved alert per
    station: further reports count occurrences, and the details show the latest. Without a
    charge point the report stands alone. Only an operator resolves it: the ticket's answer
    to the driver says nothing about the state of the station."""
    where = cp_id or "an unknown station"
    return Condition(
        key=f"station_safety:{cp_id}" if cp_id else f"station_safety:ticket:{ticket_id}",
        kind="station_safety",
        severity="high",
        title=f"Safety report by a driver at {where}: {subject[:120]}",
        charge_point_id=cp_id,
        details={
            "ticket_id": ticket_id,
            "session_id": session_id,
            "subject": subject[:REPORT_TEXT_LIMIT],
            "description": description[:REPORT_TEXT_LIMIT],
            "reported_at": reported_at,
        },
    )
