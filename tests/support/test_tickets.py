"""Tickets against the real stack: the lifecycle, internal notes never reaching the driver (REST
and events), a driver unable to read or link to another driver's things (404), and search."""

from __future__ import annotations

import uuid
from typing import Any

from shared.events.chargepoints import ChargePointLocation, ChargePointRegistered
from shared.events.envelope import Envelope
from shared.events.identity import UserDeleted
from tests.helpers.polling import eventually
from tests.support.harness import Support, TicketEvents, auth, publish, wait_for_row
from tests.support.seed import create_invoice, create_session

AGENT = auth("agent-1", "support")
OPERATOR = auth("operator-1", "operator")


def driver() -> tuple[str, dict[str, str]]:
    user = f"driver-{uuid.uuid4().hex[:8]}"
    return user, auth(user, "driver")


async def open_ticket(svc: Support, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    values = {
        "category": "charging_problem",
        "subject": "Charger stopped",
        "description": "It stopped.",
    }
    values.update(body)
    response = await svc.http.post("/v1/support/tickets", json=values, headers=headers)
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


async def staff_view(svc: Support, ticket_id: str) -> dict[str, Any]:
    response = await svc.http.get(f"/v1/support/queue/{ticket_id}", headers=AGENT)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_lifecycle_with_linked_summary(support: Support, ticket_events: TicketEvents) -> None:
    user, me = driver()
    session_id, _ = await create_session(support, user, stop_reason="Local")
    invoice_id = await create_invoice(support, user, session_id)
    ticket = await open_ticket(
        support, me, category="payment_invoice", session_id=session_id, invoice_id=invoice_id
    )
    tid = ticket["id"]
    assert ticket["status"] == "open" and ticket["links"]["session_id"] == session_id
    assert ticket["links"]["charge_point_id"].startswith("CP-")

    staff = await staff_view(support, tid)
    assert staff["priority"] == "normal"
    assert staff["linked"]["session"]["energy_wh"] == 12_000
    assert staff["linked"]["invoice"]["total_minor"] == 10_000

    r = await support.http.patch(
        f"/v1/support/queue/{tid}", json={"assignee": "agent-1"}, headers=AGENT
    )
    assert r.status_code == 200 and r.json()["assignee"] == "agent-1"
    r = await support.http.get("/v1/support/queue", params={"assignee": "agent-1"}, headers=AGENT)
    assert tid in [t["id"] for t in r.json()]

    r = await support.http.post(
        f"/v1/support/queue/{tid}/status",
        json={"status": "pending", "message": "Which card did you use?"},
        headers=AGENT,
    )
    assert r.status_code == 200 and r.json()["status"] == "pending"
    assert r.json()["sla"]["paused"] and r.json()["sla"]["first_response_at"]

    r = await support.http.post(
        f"/v1/support/tickets/{tid}/messages", json={"body": "The Visa."}, headers=me
    )
    assert r.status_code == 200 and r.json()["status"] == "open"

    r = await support.http.post(
        f"/v1/support/queue/{tid}/status", json={"status": "closed"}, headers=AGENT
    )
    assert r.status_code == 409  # open -> closed skips resolved

    r = await support.http.post(
        f"/v1/support/queue/{tid}/status",
        json={"status": "resolved", "message": "Refunded."},
        headers=OPERATOR,
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    r = await support.http.post(
        f"/v1/support/tickets/{tid}/messages", json={"body": "x"}, headers=me
    )
    assert r.status_code == 409

    r = await support.http.post(
        f"/v1/support/tickets/{tid}/reopen", json={"message": "Not yet."}, headers=me
    )
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["resolved_at"] is None
    await support.http.post(
        f"/v1/support/queue/{tid}/status", json={"status": "resolved"}, headers=AGENT
    )
    r = await support.http.post(
        f"/v1/support/queue/{tid}/status", json={"status": "closed"}, headers=AGENT
    )
    assert r.status_code == 200 and r.json()["closed_at"]

    mine = (await support.http.get(f"/v1/support/tickets/{tid}", headers=me)).json()
    assert [m["body"] for m in mine["messages"]] == [
        "Which card did you use?",
        "The Visa.",
        "Refunded.",
        "Not yet.",
    ]
    assert mine["reopenable_until"]

    found = await ticket_events.wait_for(tid, "ticket.status-changed", count=6)
    statuses = [e.data["status"] for e in found if e.type == "ticket.status-changed"]
    assert statuses == ["pending", "open", "resolved", "open", "resolved", "closed"]
    opened = next(e for e in found if e.type == "ticket.opened")
    assert opened.data["category"] == "payment_invoice" and opened.data["user_id"] == user
    assert "subject" not in opened.data and "description" not in opened.data


async def test_driver_reopens_only_within_the_period(support: Support) -> None:
    _, me = driver()
    tid = (await open_ticket(support, me))["id"]
    await support.http.post(
        f"/v1/support/queue/{tid}/status", json={"status": "resolved"}, headers=AGENT
    )
    support.clock.advance(days=support.settings.reopen_window_days, seconds=1)
    try:
        r = await support.http.post(f"/v1/support/tickets/{tid}/reopen", json={}, headers=me)
        assert r.status_code == 409, r.text
        # Staff may still reopen it.
        r = await support.http.post(
            f"/v1/support/queue/{tid}/status", json={"status": "open"}, headers=AGENT
        )
        assert r.status_code == 200
    finally:
        support.clock.advance(days=-support.settings.reopen_window_days, seconds=-1)


async def test_internal_notes_never_reach_the_driver(
    support: Support, ticket_events: TicketEvents
) -> None:
    _, me = driver()
    tid = (await open_ticket(support, me))["id"]
    secret = f"fraud-suspect-{uuid.uuid4().hex}"
    r = await support.http.post(
        f"/v1/support/queue/{tid}/messages",
        json={"body": secret, "visibility": "internal"},
        headers=AGENT,
    )
    assert r.status_code == 200
    assert secret in [m["body"] for m in r.json()["messages"]]
    assert r.json()["sla"]["first_response_at"] is None  # a note is no response
    await support.http.post(
        f"/v1/support/queue/{tid}/messages", json={"body": "We are on it."}, headers=AGENT
    )

    for path in (f"/v1/support/tickets/{tid}", "/v1/support/tickets"):
        r = await support.http.get(path, headers=me)
        assert r.status_code == 200 and secret not in r.text
    mine = (await support.http.get(f"/v1/support/tickets/{tid}", headers=me)).json()
    assert [m["body"] for m in mine["messages"]] == ["We are on it."]
    assert "visibility" not in mine["messages"][0] and "author" not in mine["messages"][0]

    found = await ticket_events.wait_for(tid, "ticket.replied")
    assert [e.type for e in found] == ["ticket.opened", "ticket.replied"]
    assert all(secret not in raw.decode() for raw in ticket_events.raw)
    # Staff search finds the note; it is still theirs only.
    r = await support.http.get("/v1/support/queue", params={"q": secret}, headers=AGENT)
    assert [t["id"] for t in r.json()] == [tid]


async def test_a_driver_gets_404_for_anything_not_theirs(support: Support) -> None:
    owner, owner_headers = driver()
    _, intruder = driver()
    session_id, _ = await create_session(support, owner)
    invoice_id = await create_invoice(support, owner)
    tid = (await open_ticket(support, owner_headers))["id"]

    for method, path, body in (
        ("GET", f"/v1/support/tickets/{tid}", None),
        ("POST", f"/v1/support/tickets/{tid}/messages", {"body": "hi"}),
        ("POST", f"/v1/support/tickets/{tid}/reopen", {}),
        ("GET", "/v1/support/tickets/not-a-uuid", None),
    ):
        r = await support.http.request(method, path, json=body, headers=intruder)
        assert r.status_code == 404, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert tid not in (await support.http.get("/v1/support/tickets", headers=intruder)).text

    for link in (
        {"session_id": session_id},
        {"invoice_id": invoice_id},
        {"reservation_id": "r-unknown"},
        {"session_id": "s-unknown"},
        {"charge_point_id": "CP-nowhere"},
    ):
        r = await support.http.post(
            "/v1/support/tickets",
            json={"category": "other", "subject": "s", "description": "d", **link},
            headers=intruder,
        )
        assert r.status_code == 404, (link, r.text)
    r = await support.http.get("/v1/support/queue", params={"driver_id": owner}, headers=AGENT)
    assert [t["id"] for t in r.json()] == [tid]


async def test_queue_filters_and_full_text_search(support: Support) -> None:
    _, me = driver()
    word = f"zq{uuid.uuid4().hex[:8]}"
    a = await open_ticket(
        support, me, category="booking", subject=f"Booking {word} vanished", description="gone"
    )
    b = await open_ticket(
        support, me, category="account", subject="Login", description=f"cannot log in {word}"
    )
    await open_ticket(support, me, category="other", subject="Unrelated", description="nothing")

    r = await support.http.get("/v1/support/queue", params={"q": word}, headers=AGENT)
    assert [t["id"] for t in r.json()] == [a["id"], b["id"]]  # subject outranks description
    r = await support.http.get(
        "/v1/support/queue", params={"q": word, "category": "account"}, headers=AGENT
    )
    assert [t["id"] for t in r.json()] == [b["id"]]
    r = await support.http.get(
        "/v1/support/queue",
        params={"q": f"{word} -vanished", "priority": ["low", "normal"]},
        headers=AGENT,
    )
    assert [t["id"] for t in r.json()] == [b["id"]]
    r = await support.http.get(
        "/v1/support/queue", params={"q": word, "status": "pending"}, headers=AGENT
    )
    assert r.json() == []


async def test_safety_report_raises_an_event_for_operations(
    support: Support, ticket_events: TicketEvents
) -> None:
    charger = f"CP-{uuid.uuid4().hex[:6]}"
    registered = ChargePointRegistered(
        charge_point_id=charger,
        ocpp_version="2.0.1",
        vendor="V",
        model="M",
        serial_number=None,
        firmware_version=None,
        connectors=2,
        location=ChargePointLocation(),
        approval="approved",
    )
    await publish(registered, charger)
    await wait_for_row(
        support, "select true from charge_points where charge_point_id = $1", charger
    )
    _, me = driver()
    ticket = await open_ticket(
        support,
        me,
        category="station_safety",
        subject="Cable insulation torn",
        description="Bare copper visible on connector 2.",
        charge_point_id=charger,
    )
    assert (await staff_view(support, ticket["id"]))["priority"] == "urgent"

    async def reported() -> bool:
        await ticket_events.poll()
        return any(
            b"station-safety.reported" in raw and charger.encode() in raw
            for raw in ticket_events.raw
        )

    await eventually(reported, timeout=30)
    report = next(
        Envelope.from_bytes(raw)
        for raw in ticket_events.raw
        if b"station-safety.reported" in raw and charger.encode() in raw
    )
    assert report.data["ticket_id"] == ticket["id"] and report.data["charge_point_id"] == charger
    assert report.data["description"] == "Bare copper visible on connector 2."
    assert "user_id" not in report.data


async def test_a_ticket_staff_recategorise_as_safety_is_reported_too(
    support: Support, ticket_events: TicketEvents
) -> None:
    _, me = driver()
    ticket = await open_ticket(
        support, me, category="other", subject="Strange smell", description="Burnt plastic."
    )
    r = await support.http.patch(
        f"/v1/support/queue/{ticket['id']}", json={"category": "station_safety"}, headers=AGENT
    )
    assert r.status_code == 200, r.text
    found = await ticket_events.wait_for(ticket["id"], "station-safety.reported")
    [report] = [e for e in found if e.type == "station-safety.reported"]
    assert report.data["subject"] == "Strange smell" and "user_id" not in report.data
    # Patching it again (same category) reports nothing more.
    r = await support.http.patch(
        f"/v1/support/queue/{ticket['id']}",
        json={"category": "station_safety", "priority": "high"},
        headers=AGENT,
    )
    assert r.status_code == 200, r.text
    found = await ticket_events.wait_for(ticket["id"], "ticket.updated", count=2)
    assert sum(e.type == "station-safety.reported" for e in found) == 1


async def test_deleted_account_closes_and_anonymises_its_tickets(support: Support) -> None:
    user, me = driver()
    tid = (await open_ticket(support, me, subject="My name is Anna Svensson"))["id"]
    await support.http.post(
        f"/v1/support/queue/{tid}/messages", json={"body": "Hi Anna"}, headers=AGENT
    )
    await publish(UserDeleted(user_id=user), user)
    await wait_for_row(
        support, "select status = 'closed' from tickets where id = $1", uuid.UUID(tid)
    )

    view = await staff_view(support, tid)
    assert view["subject"] == "[account deleted]" and view["description"] == "[account deleted]"
    assert [m["body"] for m in view["messages"]] == ["[account deleted]"]
    r = await support.http.get("/v1/support/queue", params={"q": "Anna"}, headers=AGENT)
    assert tid not in {t["id"] for t in r.json()}
