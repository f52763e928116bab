"""Resolved tickets close by themselves after the setting's days, with the usual event, and the
driver can still reopen them within the reopening period."""

from __future__ import annotations

import uuid
from typing import Any

from tests.helpers.polling import eventually
from tests.support.harness import Support, TicketEvents, auth

AGENT = auth("agent-1", "support")
SUPPORT_SETTINGS: dict[str, Any] = {"auto_close_after_days": 3, "auto_close_interval_s": 0.2}


async def _resolved_ticket(svc: Support, headers: dict[str, str]) -> str:
    body = {"category": "other", "subject": "Question", "description": "How do I pay?"}
    r = await svc.http.post("/v1/support/tickets", json=body, headers=headers)
    assert r.status_code == 201, r.text
    ticket_id: str = r.json()["id"]
    r = await svc.http.post(
        f"/v1/support/queue/{ticket_id}/status",
        json={"status": "resolved", "message": "Add a card in the app."},
        headers=AGENT,
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved", r.text
    return ticket_id


async def _status(svc: Support, ticket_id: str) -> str:
    r = await svc.http.get(f"/v1/support/queue/{ticket_id}", headers=AGENT)
    assert r.status_code == 200, r.text
    status: str = r.json()["status"]
    return status


async def test_resolved_tickets_close_after_the_period(
    support: Support, ticket_events: TicketEvents
) -> None:
    me = auth(f"driver-{uuid.uuid4().hex[:8]}", "driver")
    early = await _resolved_ticket(support, me)
    support.clock.advance(days=2)
    late = await _resolved_ticket(support, me)

    support.clock.advance(days=1, seconds=1)  # `early` resolved 3 days ago, `late` 1 day ago

    async def closed() -> bool:
        return await _status(support, early) == "closed"

    await eventually(closed, timeout=30)
    # One job run saw both: the later one is not due yet.
    assert await _status(support, late) == "resolved"
    found = await ticket_events.wait_for(early, "ticket.status-changed", count=2)
    close = [e for e in found if e.type == "ticket.status-changed"][-1]
    assert close.data["status"] == "closed" and close.data["previous_status"] == "resolved"
    assert close.data["by"] == "system"

    # Closed, but still inside the driver's reopening period (from the resolution).
    r = await support.http.post(
        f"/v1/support/tickets/{early}/reopen", json={"message": "Still no card option"}, headers=me
    )
    assert r.status_code == 200 and r.json()["status"] == "open", r.text

    support.clock.advance(days=2)

    async def late_closed() -> bool:
        return await _status(support, late) == "closed"

    await eventually(late_closed, timeout=30)
    assert await _status(support, early) == "open"
