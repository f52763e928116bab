"""SLA against the real stack with a clock the test moves: business hours, the pause while
pending, breaches flagged, listed and published. Plus the business-hours arithmetic alone."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

from services.support.settings import SlaTarget
from services.support.sla.hours import BusinessHours
from tests.support.harness import Support, TicketEvents, at, auth

AGENT = auth("agent-1", "support")
# "other" tickets get priority low; here 1 business hour to answer, 2 to resolve.
SUPPORT_SETTINGS: dict[str, Any] = {
    "sla_overrides": {"other:low": SlaTarget(first_response_minutes=60, resolution_minutes=120)}
}


async def _open(svc: Support, headers: dict[str, str]) -> str:
    body = {"category": "other", "subject": "Question", "description": "About my account"}
    r = await svc.http.post("/v1/support/tickets", json=body, headers=headers)
    assert r.status_code == 201, r.text
    ticket_id: str = r.json()["id"]
    return ticket_id


async def _staff(svc: Support, ticket_id: str) -> dict[str, Any]:
    r = await svc.http.get(f"/v1/support/queue/{ticket_id}", headers=AGENT)
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


async def _breached(svc: Support) -> set[str]:
    r = await svc.http.get("/v1/support/queue", params={"breached": "true"}, headers=AGENT)
    assert r.status_code == 200, r.text
    return {t["id"] for t in r.json()}


async def test_breaches_count_business_hours_and_pause_while_pending(
    support: Support, ticket_events: TicketEvents
) -> None:
    user = f"driver-{uuid.uuid4().hex[:8]}"
    me = auth(user, "driver")
    support.clock.at = at("2026-11-30T09:00:00+01:00")  # Monday 09:00 in Stockholm
    answered = await _open(support, me)
    ignored = await _open(support, me)
    sla = (await _staff(support, answered))["sla"]
    assert sla["first_response_due_at"] == "2026-11-30T09:00:00Z"  # 10:00 local
    assert sla["resolution_due_at"] == "2026-11-30T10:00:00Z"

    support.clock.advance(minutes=30)
    r = await support.http.post(
        f"/v1/support/queue/{answered}/status",
        json={"status": "pending", "message": "Can you send a photo?"},
        headers=AGENT,
    )
    assert r.status_code == 200 and r.json()["sla"]["paused"]

    # Six and a half hours wait on the driver: the answered ticket's clock stands still.
    support.clock.at = at("2026-11-30T16:00:00+01:00")
    assert await _breached(support) == {ignored}
    r = await support.http.get("/v1/support/queue", params={"breached": "false"}, headers=AGENT)
    assert {t["id"] for t in r.json()} == {answered}
    view = await _staff(support, answered)
    assert view["sla"]["resolution_due_at"] is None and not view["breached"]
    assert view["sla"]["elapsed_business_s"] == 1800
    found = await ticket_events.wait_for(ignored, "ticket.sla-breached")
    breach = next(e for e in found if e.type == "ticket.sla-breached")
    assert breach.data["target"] == "first_response" and breach.data["first_response_breached"]

    # The driver answers: 90 business minutes remain, one today (to 17:00), 30 tomorrow.
    r = await support.http.post(
        f"/v1/support/tickets/{answered}/messages", json={"body": "Here it is."}, headers=me
    )
    assert r.status_code == 200 and r.json()["status"] == "open"
    assert (await _staff(support, answered))["sla"]["resolution_due_at"] == "2026-12-01T07:30:00Z"

    support.clock.at = at("2026-12-01T08:29:00+01:00")
    assert answered not in await _breached(support)
    support.clock.at = at("2026-12-01T08:31:00+01:00")
    assert answered in await _breached(support)
    view = await _staff(support, answered)
    assert view["sla"]["resolution_breached"] and not view["sla"]["first_response_breached"]
    assert view["sla"]["elapsed_business_s"] == 121 * 60
    found = await ticket_events.wait_for(answered, "ticket.sla-breached")
    breach = next(e for e in found if e.type == "ticket.sla-breached")
    assert breach.data["target"] == "resolution"

    # Resolving late keeps the breach on record; not-breached lists it no more.
    r = await support.http.post(
        f"/v1/support/queue/{answered}/status", json={"status": "resolved"}, headers=AGENT
    )
    assert r.json()["sla"]["resolution_breached"]
    r = await support.http.get("/v1/support/queue", params={"breached": "false"}, headers=AGENT)
    assert answered not in {t["id"] for t in r.json()}


async def test_a_late_answer_publishes_its_breach_once(
    support: Support, ticket_events: TicketEvents
) -> None:
    """Whether the job or the late answer flags it first, one event per missed deadline."""
    me = auth(f"driver-{uuid.uuid4().hex[:8]}", "driver")
    support.clock.at = at("2026-12-02T09:00:00+01:00")
    late = await _open(support, me)
    support.clock.advance(minutes=61)
    r = await support.http.post(
        f"/v1/support/queue/{late}/messages", json={"body": "Sorry for the wait."}, headers=AGENT
    )
    assert r.json()["sla"]["first_response_breached"]
    await ticket_events.wait_for(late, "ticket.replied")
    support.clock.advance(minutes=30)  # the job comes by again; nothing new to flag
    await ticket_events.wait_for(late, "ticket.sla-breached")
    r = await support.http.post(
        f"/v1/support/queue/{late}/status", json={"status": "resolved"}, headers=AGENT
    )
    found = await ticket_events.wait_for(late, "ticket.status-changed")
    assert [e.data["target"] for e in found if e.type == "ticket.sla-breached"] == [
        "first_response"
    ]


HOURS = BusinessHours.of("Europe/Stockholm", range(5), time(8), time(17), [date(2026, 12, 24)])


def test_business_seconds_skip_nights_weekends_and_holidays() -> None:
    friday_16 = at("2026-12-04T16:00:00+01:00")
    monday_9 = at("2026-12-07T09:00:00+01:00")
    assert HOURS.seconds_between(friday_16, monday_9) == 2 * 3600
    assert HOURS.add(friday_16, 2 * 3600) == monday_9
    assert HOURS.add(at("2026-12-23T16:30:00+01:00"), 3600) == at("2026-12-25T08:30:00+01:00")
    # Outside the hours, a deadline counts from the next opening.
    assert HOURS.add(at("2026-12-05T12:00:00+01:00"), 0) == at("2026-12-07T08:00:00+01:00")


def test_business_days_keep_local_hours_across_dst() -> None:
    # Clocks go forward on Sunday 29 March 2026: Friday 16:00 CET + 2 h = Monday 09:00 CEST.
    assert HOURS.add(at("2026-03-27T16:00:00+01:00"), 7200) == at("2026-03-30T09:00:00+02:00")
