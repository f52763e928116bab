"""Every template renders for every kind, in both locales, with the event's own fields; values
are escaped in HTML and not in plain text."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.notifications.kinds import ALL_KINDS
from services.notifications.rendering import LOCALES, TEMPLATES, Templates
from shared.events.booking import AlternativeWindow, ReservationCancelled, ReservationConfirmed
from shared.events.envelope import EventPayload
from shared.events.operations import AlertOpened, AlertResolved, InspectionDue, WorkOrderAssigned
from shared.events.payment import (
    InvoicePaid,
    InvoicePaymentFailed,
    SubscriptionPastDue,
    SubscriptionRenewed,
)
from shared.events.support import TicketReplied

HOSTILE = "<script>alert(1)</script> & co"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _data(event: EventPayload) -> dict[str, Any]:
    return event.model_dump(mode="json")


def _invoice(**extra: Any) -> dict[str, Any]:
    return {
        "invoice_id": str(uuid.uuid4()),
        "number": "LAD-2026-000042",
        "user_id": "u1",
        "session_id": "s1",
        "charge_point_id": HOSTILE,
        "currency": "SEK",
        "subtotal_minor": 7500,
        "vat_minor": 1875,
        "total_minor": 9375,
        "status": "paid",
        "amount_paid_minor": 9375,
        "amount_refunded_minor": 0,
        "at": NOW,
        **extra,
    }


def _reservation(**extra: Any) -> dict[str, Any]:
    return {
        "reservation_id": "r1",
        "ocpp_reservation_id": 7,
        "kind": "booking",
        "user_id": "u1",
        "charge_point_id": HOSTILE,
        "connector_id": 2,
        "starts_at": NOW,
        "ends_at": NOW + timedelta(hours=1),
        "status": "confirmed",
        "charger_hold": "not_sent",
        "at": NOW,
        **extra,
    }


def _alert(**extra: Any) -> dict[str, Any]:
    return {
        "alert_id": "a1",
        "kind": "emergency_stop",
        "severity": "high",
        "status": "open",
        "title": HOSTILE,
        "charge_point_id": "CP-1",
        "connector_id": 1,
        "site": "Depot",
        "at": NOW,
        **extra,
    }


def _ticket() -> dict[str, Any]:
    return _data(
        TicketReplied(
            ticket_id="t1",
            user_id="u1",
            category="other",
            priority="normal",
            status="pending",
            origin="driver",
            assignee=None,
            session_id=None,
            charge_point_id=None,
            reservation_id=None,
            invoice_id=None,
            created_at=NOW,
            first_response_at=NOW,
            resolved_at=None,
            sla_elapsed_s=0.0,
            first_response_breached=False,
            resolution_breached=False,
            at=NOW,
            message_id="m1",
            author_kind="staff",
        )
    )


def _account(kind: str) -> dict[str, Any]:
    return {
        "mail_id": "m1",
        "link": f"https://ladda.example/{kind}?token=abc&x=<1>",
        "link_expires_at": NOW + timedelta(hours=1),
        "detail": {"address": HOSTILE, "at": NOW.isoformat()},
    }


SAMPLES: dict[str, dict[str, Any]] = {
    "receipt": _data(InvoicePaid(**_invoice())),
    "payment-failed": _data(
        InvoicePaymentFailed(
            **_invoice(status="open"),
            failure_code="card_declined",
            failed_attempts=1,
            next_attempt_at=NOW,
        )
    ),
    "booking-confirmed": _data(ReservationConfirmed(**_reservation())),
    "booking-reminder": _data(ReservationConfirmed(**_reservation())),
    "booking-cancelled": _data(
        ReservationCancelled(
            **_reservation(status="cancelled"),
            reason="connector_faulted",
            alternative=AlternativeWindow(
                charge_point_id="CP-2", connector_id=1, starts_at=NOW, ends_at=NOW
            ),
        )
    ),
    "support-reply": _ticket(),
    "subscription-renewed": _data(
        SubscriptionRenewed(
            subscription_id="s1",
            user_id="u1",
            plan_name=HOSTILE,
            currency="SEK",
            amount_minor=49900,
            period_end=NOW,
            at=NOW,
        )
    ),
    "subscription-past-due": _data(
        SubscriptionPastDue(
            subscription_id="s1",
            user_id="u1",
            plan_name=HOSTILE,
            currency="SEK",
            amount_minor=49900,
            next_attempt_at=None,
            at=NOW,
        )
    ),
    "email-verification": _account("email-verification"),
    "password-reset": _account("password-reset"),
    "password-changed": _account("password-changed"),
    "new-sign-in": _account("new-sign-in"),
    "alert-opened": _data(AlertOpened(**_alert())) | {"severity": "high", "site": "Depot"},
    "alert-resolved": _data(AlertResolved(**_alert(status="resolved"), automatically=True)),
    "inspection-due": _data(
        InspectionDue(
            inspection_id="i1",
            title=HOSTILE,
            charge_point_id="CP-1",
            site=None,
            due_at=NOW,
            at=NOW,
        )
    ),
    "inspection-overdue": _data(
        InspectionDue(
            inspection_id="i1",
            title=HOSTILE,
            charge_point_id="CP-1",
            site="Depot",
            due_at=NOW,
            at=NOW,
        )
    ),
    "work-order-assigned": _data(
        WorkOrderAssigned(
            work_order_id="w1", title=HOSTILE, priority="high", assignee="tech-1", at=NOW
        )
    ),
    "webhook-disabled": {
        "subscription_id": "s1",
        "url": "https://x.example/?a=<b>",
        "failures": 20,
    },
}


def test_every_kind_has_a_sample_and_a_template_per_locale() -> None:
    assert set(SAMPLES) == set(ALL_KINDS)
    for locale in LOCALES:
        assert {p.stem for p in (TEMPLATES / locale).glob("*.j2")} == set(ALL_KINDS)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_template_renders(kind: str, locale: str) -> None:
    values = {**SAMPLES[kind], "name": "Ada <Lovelace>", "app_url": "https://app.example"}
    rendered = Templates().render(kind, locale, values)

    assert rendered.subject and "\n" not in rendered.subject
    assert "Ada <Lovelace>" in rendered.text or kind in _NO_GREETING
    assert "<script>" not in rendered.html
    assert "<Lovelace>" not in rendered.html
    if HOSTILE in rendered.text:
        assert "&lt;script&gt;" in rendered.html
    assert f'<html lang="{locale}">' in rendered.html


_NO_GREETING = {
    "alert-opened",
    "alert-resolved",
    "inspection-due",
    "inspection-overdue",
    "work-order-assigned",
    "webhook-disabled",
}


def test_locale_decides_the_language_and_money_format() -> None:
    values = {**SAMPLES["receipt"], "name": "Ada", "app_url": "https://app.example"}
    swedish = Templates().render("receipt", "sv", values)
    english = Templates().render("receipt", "en", values)
    assert swedish.subject == "Ditt kvitto LAD-2026-000042"
    assert "93,75 SEK" in swedish.text
    assert english.subject == "Your receipt LAD-2026-000042"
    assert "SEK 93.75" in english.text
    # Plain text is not HTML: the charger id reads as it is there, escaped only in HTML.
    assert HOSTILE in english.text
    assert HOSTILE not in english.html
    # An unknown locale falls back to English.
    assert Templates().render("receipt", "de", values).subject == english.subject
