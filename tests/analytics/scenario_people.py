"""The scenario's accounts, payment standings, support tickets and alerts (same days as
`scenario.py`: local 28-30 March 2026 around the DST change), out of order and with duplicates.

Expected: registrations 28th 1, 29th 1 (the operator is no driver); one account deleted on the
30th. The driver is subscribed on the 29th (active that day), the other driver never. Tickets
about the charge point on the 29th: one automatic charging problem (resolved), one safety report
(SLA breached); a ticket without a charge point counts nowhere. Alerts: a fault on the 28th
resolved after 185 min, a fault on the 29th resolved after 370 min, a safety alert open.
"""

from __future__ import annotations

from typing import Any

from shared.events.envelope import Envelope
from shared.events.identity import UserDeleted, UserRegistered
from shared.events.operations import AlertAcknowledged, AlertOpened, AlertResolved
from shared.events.payment import PaymentAccountChanged
from shared.events.support import (
    TicketOpened,
    TicketSlaBreached,
    TicketStatusChanged,
)
from tests.analytics.scenario import Scenario, at
from tests.analytics.support import envelope


def users(sc: Scenario) -> list[tuple[str, Envelope]]:
    staff, gone = f"staff-{sc.cp}", f"gone-{sc.cp}"
    driver = envelope(
        UserRegistered(user_id=sc.driver, roles=["driver"]), at("2026-03-28T10:00:00")
    )
    events = [
        envelope(UserDeleted(user_id=gone), at("2026-03-30T08:00:00")),
        driver,
        # 21:30Z is 23:30 local (CEST) on the 29th.
        envelope(UserRegistered(user_id=sc.other, roles=["driver"]), at("2026-03-29T21:30:00")),
        envelope(UserRegistered(user_id=staff, roles=["operator"]), at("2026-03-29T12:00:00")),
        driver,
    ]
    return [(e.data["user_id"], e) for e in events]


def standings(sc: Scenario) -> list[tuple[str, Envelope]]:
    def standing(user: str, active: bool, when: str) -> Envelope:
        payload = PaymentAccountChanged(
            user_id=user,
            has_payment_method=True,
            subscription_active=active,
            has_overdue_invoice=False,
        )
        return envelope(payload, at(when))

    # The cancellation arrives before the subscription it ends.
    events = [
        standing(sc.driver, False, "2026-03-30T12:00:00"),
        standing(sc.driver, True, "2026-03-28T00:00:00"),
        standing(sc.other, False, "2026-03-01T00:00:00"),
    ]
    return [(e.data["user_id"], e) for e in events]


def _ticket(sc: Scenario, n: int, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ticket_id": f"ticket-{sc.cp}-{n}",
        "user_id": sc.driver,
        "priority": "high",
        "status": "open",
        "origin": "driver",
        "assignee": None,
        "session_id": None,
        "charge_point_id": sc.cp,
        "reservation_id": None,
        "invoice_id": None,
        "first_response_at": None,
        "resolved_at": None,
        "sla_elapsed_s": 0.0,
        "first_response_breached": False,
        "resolution_breached": False,
    }
    values.update(fields)
    return values


def tickets(sc: Scenario) -> list[tuple[str, Envelope]]:
    automatic = _ticket(
        sc, 1, category="charging_problem", origin="automatic", created_at=at("2026-03-29T04:10:00")
    )
    opened1 = envelope(TicketOpened(**automatic, at=at("2026-03-29T04:10:00")))
    resolved1 = envelope(
        TicketStatusChanged(
            **(automatic | {"status": "resolved", "resolved_at": at("2026-03-29T09:00:00")}),
            at=at("2026-03-29T09:00:00"),
            previous_status="open",
            by="agent-1",
        )
    )
    safety = _ticket(sc, 2, category="station_safety", created_at=at("2026-03-29T20:30:00"))
    opened2 = envelope(TicketOpened(**safety, at=at("2026-03-29T20:30:00")))
    breached2 = envelope(
        TicketSlaBreached(
            **(safety | {"resolution_breached": True}),
            at=at("2026-03-30T08:00:00"),
            target="resolution",
            due_at=at("2026-03-30T07:59:00"),
        )
    )
    elsewhere = _ticket(
        sc, 3, category="account", charge_point_id=None, created_at=at("2026-03-29T12:00:00")
    )
    opened3 = envelope(TicketOpened(**elsewhere, at=at("2026-03-29T12:00:00")))
    events = [resolved1, breached2, opened1, opened2, opened3, opened1]
    return [(e.data["ticket_id"], e) for e in events]


def alerts(sc: Scenario) -> list[tuple[str, Envelope]]:
    def change(
        model: Any, n: int, kind: str, severity: str, status: str, when: str, **extra: Any
    ) -> Envelope:
        return envelope(
            model(
                alert_id=f"alert-{sc.cp}-{n}",
                kind=kind,
                severity=severity,
                status=status,
                title=f"{kind} at {sc.cp}",
                charge_point_id=sc.cp,
                at=at(when),
                **extra,
            )
        )

    events = [
        change(
            AlertResolved,
            1,
            "connector_faulted",
            "medium",
            "resolved",
            "2026-03-29T01:05:00",
            automatically=True,
        ),
        change(AlertOpened, 1, "connector_faulted", "medium", "open", "2026-03-28T22:00:00"),
        change(
            AlertAcknowledged,
            2,
            "station_safety",
            "high",
            "acknowledged",
            "2026-03-29T21:00:00",
            by="op-1",
        ),
        change(AlertOpened, 2, "station_safety", "high", "open", "2026-03-29T20:31:00"),
        change(AlertOpened, 3, "connector_faulted", "high", "open", "2026-03-29T20:00:00"),
        change(
            AlertResolved,
            3,
            "connector_faulted",
            "high",
            "resolved",
            "2026-03-30T02:10:00",
            by="op-1",
        ),
    ]
    events.append(events[1])  # delivered twice
    return [(sc.cp, e) for e in events]
