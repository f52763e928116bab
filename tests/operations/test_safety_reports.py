"""Support's safety reports raise a station alert in operations, through the real Kafka topic:
one unresolved alert per station, each ticket counted once (a redelivery or the same ticket
under a new event id counts nothing), published on `operations.alerts.v1`, resolved by an
operator only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from shared.events.envelope import Envelope
from shared.events.support import StationSafetyReported
from shared.events.topics import OPERATIONS_ALERTS, SUPPORT_TICKETS
from shared.kafka import create_producer
from tests.connectivity.support import BOOTSTRAP, EventWatcher
from tests.helpers.polling import eventually
from tests.operations.support import OPERATOR, Operations, alert_events, wait_for_alert


def _report(cp_id: str | None, subject: str = "Cable is cut") -> Envelope:
    ticket_id = str(uuid.uuid4())
    payload = StationSafetyReported(
        ticket_id=ticket_id,
        charge_point_id=cp_id,
        session_id=None,
        subject=subject,
        description="The insulation is open near the plug, copper visible.",
        reported_at=datetime.now(UTC),
    )
    return Envelope.wrap(payload, source="support", subject=ticket_id, correlation_id=None)


async def _send(*envelopes: Envelope) -> None:
    producer = create_producer(BOOTSTRAP, client_id="test-operations-safety")
    await producer.start()
    try:
        for envelope in envelopes:
            key = envelope.data["charge_point_id"] or envelope.subject
            await producer.send_and_wait(
                SUPPORT_TICKETS.name, envelope.to_bytes(), key=key.encode()
            )
    finally:
        await producer.stop()


def _again(envelope: Envelope) -> Envelope:
    """The same report under a new event id (support republishing it)."""
    return envelope.model_copy(update={"id": uuid.uuid4()})


async def test_safety_reports_raise_one_alert_per_station(ops: Operations) -> None:
    cp_id = f"CP-SAFE-{uuid.uuid4().hex[:8]}"
    first = _report(cp_id)
    async with EventWatcher(OPERATIONS_ALERTS.name) as events:
        await _send(first)
        alert = await wait_for_alert(ops, cp_id, "station_safety")
        assert alert["severity"] == "high" and alert["status"] == "open"
        assert alert["details"]["ticket_id"] == first.data["ticket_id"]
        assert alert["details"]["subject"] == "Cable is cut"
        assert "Cable is cut" in alert["title"]
        [opened] = await alert_events(events, "alert.opened", alert["id"])
        assert opened.data["kind"] == "station_safety" and opened.data["severity"] == "high"

        # Redelivered, and republished under a new id, then a second driver's report: only the
        # second counts (same key, same partition: it arrives after the duplicates).
        second = _report(cp_id, "Sparks from the socket")
        await _send(first, _again(first), second)
        alert = await wait_for_alert(ops, cp_id, "station_safety", occurrences=2)
        assert alert["id"] == opened.data["alert_id"]
        assert alert["details"]["ticket_id"] == second.data["ticket_id"]

        # The operator resolves it; a later report opens a new alert.
        r = await ops.http.post(
            f"/v1/alerts/{alert['id']}/resolve", json={"note": "cable replaced"}, headers=OPERATOR
        )
        assert r.status_code == 200, r.text
        await _send(_report(cp_id, "Still sparking"))
        fresh = await wait_for_alert(ops, cp_id, "station_safety", status="open")
        assert fresh["id"] != alert["id"] and fresh["occurrences"] == 1


async def test_a_report_without_a_station_stands_alone(ops: Operations) -> None:
    report = _report(None, f"Loose lid {uuid.uuid4().hex[:6]}")
    await _send(report)
    found: list[dict[str, Any]] = []

    async def present() -> bool:
        r = await ops.http.get("/v1/alerts", params={"kind": "station_safety"}, headers=OPERATOR)
        assert r.status_code == 200, r.text
        found[:] = [
            a for a in r.json() if a["details"].get("ticket_id") == report.data["ticket_id"]
        ]
        return bool(found)

    await eventually(present, timeout=60)
    [alert] = found
    assert alert["charge_point_id"] is None and alert["severity"] == "high"
