"""After the chaos: count, in each service's database, in Kafka and in localstripe, what happened.

Each row of the table is a figure and what it must be; the run fails on any difference.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.events.envelope import Envelope
from shared.events.topics import BOOKING_RESERVATIONS

SERVICES = (
    "connectivity",
    "identity",
    "booking",
    "payment",
    "analytics",
    "operations",
    "support",
    "notifications",
)
FINAL_BOOKING_EVENTS = {"reservation.fulfilled", "reservation.no-show", "reservation.cancelled"}
FINAL_BOOKING_STATES = {"fulfilled", "no_show", "cancelled"}
# What the simulator saw refused: an Authorize, or a transaction message (start, meter values,
# stop) that it gave up on after its TransactionMessageAttempts (each refusal with a CALLERROR
# is retried, as OCPP 1.6 §4.7 / 2.0.1 E.04 have a charger do).
SIMULATOR_TROUBLE = (
    "simulator.authorize.rejected",
    "simulator.transaction_message.dropped",
)


@dataclass
class Row:
    figure: str
    value: int
    expected: int | None = None  # None: information only

    @property
    def ok(self) -> bool:
        return self.expected is None or self.value == self.expected


def simulator_events(logs: list[Path]) -> list[dict[str, Any]]:
    events = []
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    return events


def _sessions_of(events: list[dict[str, Any]], name: str) -> set[tuple[str, str]]:
    return {
        (e["charge_point_id"], str(e["transaction_id"]))
        for e in events
        if e.get("event") == name and e.get("transaction_id") is not None
    }


async def final_events_per_booking(bootstrap: str) -> dict[str, int]:
    """Distinct final events per reservation on booking's topic (redeliveries share an id)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        topic = BOOKING_RESERVATIONS.name
        partitions = [TopicPartition(topic, p) for p in range(BOOKING_RESERVATIONS.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        seen: dict[str, set[str]] = {}

        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in partitions])

        while await behind():
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    envelope = Envelope.from_bytes(record.value or b"")
                    if envelope.type in FINAL_BOOKING_EVENTS:
                        reservation = str(envelope.data["reservation_id"])
                        seen.setdefault(reservation, set()).add(str(envelope.id))
        return {reservation: len(ids) for reservation, ids in seen.items()}
    finally:
        await consumer.stop()


async def succeeded_charges(stripe_base: str, stripe_key: str, customers: list[str]) -> int:
    total = 0
    async with httpx.AsyncClient(base_url=stripe_base, auth=(stripe_key, ""), timeout=30) as api:
        for customer in customers:
            listed = await api.get("/v1/charges", params={"customer": customer, "limit": 100})
            listed.raise_for_status()
            body = listed.json()
            assert not body.get("has_more"), "more than 100 charges for one customer"
            total += sum(1 for charge in body["data"] if charge["status"] == "succeeded")
    return total


async def audit(
    admin_url: str,
    bootstrap: str,
    stripe: tuple[str, str],
    simulator_logs: list[Path],
    paying_users: list[str],
) -> tuple[list[Row], list[str]]:
    """The table of counts, and the details of every difference."""
    base = admin_url.rsplit("/", 1)[0]
    db = {s: await asyncpg.connect(f"{base}/ladda_{s}") for s in SERVICES}
    notes: list[str] = []
    try:
        events = simulator_events(simulator_logs)
        started = _sessions_of(events, "simulator.session.started")
        stopped = _sessions_of(events, "simulator.session.stopped")
        sessions = await db["connectivity"].fetch(
            "select charge_point_id, transaction_id, status, user_id, auth_status, id::text as id"
            " from charging_sessions"
        )
        # A transaction the charger began whose start the CSMS did not accept still ends
        # (DeAuthorized) and is recorded: the simulator saw it refused.
        known = started | stopped
        refused = stopped - started
        recorded = Counter((r["charge_point_id"], r["transaction_id"]) for r in sessions)
        missing = known - set(recorded)
        phantoms = set(recorded) - known
        notes += [f"refused at its start: {r}" for r in sorted(refused)]
        notes += [f"started at the simulator, not recorded: {m}" for m in sorted(missing)]
        notes += [f"recorded, never started at the simulator: {p}" for p in sorted(phantoms)]
        active = [r for r in sessions if r["status"] != "stopped"]
        notes += [f"still active: {r['charge_point_id']} {r['transaction_id']}" for r in active]
        paying = [r for r in sessions if r["user_id"] in set(paying_users)]
        stopped_paying = [
            r["id"] for r in paying if r["status"] == "stopped" and r["auth_status"] == "Accepted"
        ]
        invoices = await db["payment"].fetch(
            "select i.session_id, i.status, i.total_minor,"
            " (select count(*) from payments p where p.invoice_id = i.id"
            "  and p.status = 'succeeded') as succeeded"
            " from invoices i where i.user_id = any($1::text[])",
            paying_users,
        )
        per_session = Counter(i["session_id"] for i in invoices if i["session_id"])
        without_invoice = [s for s in stopped_paying if per_session[s] == 0]
        notes += [f"session without invoice: {s}" for s in without_invoice]
        owed = [i for i in invoices if i["total_minor"] > 0]
        not_one_payment = [i for i in owed if i["succeeded"] != 1 or i["status"] != "paid"]
        notes += [
            f"invoice of session {i['session_id']}: {i['status']}, {i['succeeded']} payments"
            for i in not_one_payment
        ]
        customers = [
            r["stripe_customer_id"]
            for r in await db["payment"].fetch(
                "select stripe_customer_id from customers where user_id = any($1::text[])",
                paying_users,
            )
        ]
        charges = await succeeded_charges(*stripe, customers)
        bookings = await db["booking"].fetch("select id::text as id, status from reservations")
        finals = await final_events_per_booking(bootstrap)
        open_bookings = [b for b in bookings if b["status"] not in FINAL_BOOKING_STATES]
        not_one_final = [b for b in bookings if finals.get(b["id"], 0) != 1]
        notes += [f"booking {b['id']} in {b['status']}" for b in open_bookings]
        notes += [
            f"booking {b['id']} ({b['status']}): {finals.get(b['id'], 0)} final events"
            for b in not_one_final
        ]
        dead = {}
        for service, conn in db.items():
            letters = await conn.fetch("select consumer, topic, error from dead_letters")
            dead[service] = len(letters)
            notes += [
                f"dead letter in {service}: {r['consumer']} {r['error'][:200]}" for r in letters
            ]
        trouble = Counter(e["event"] for e in events if e.get("event") in SIMULATOR_TROUBLE)
        for name, count in trouble.items():
            notes.append(f"simulator: {count} x {name}")
    finally:
        for conn in db.values():
            await conn.close()
    rows = [
        Row("sessions started at the simulator", len(started)),
        Row("sessions stopped at the simulator", len(stopped)),
        Row("sessions refused at their start", len(refused), 0),
        Row("sessions recorded by connectivity", len(recorded), len(known)),
        Row("sessions recorded more than once", sum(c > 1 for c in recorded.values()), 0),
        Row("sessions started but not recorded", len(missing), 0),
        Row("sessions recorded but never started", len(phantoms), 0),
        Row("sessions still active", len(active), 0),
        Row("paying drivers' accepted, stopped sessions", len(stopped_paying)),
        Row(
            "  ... with exactly one invoice",
            sum(per_session[s] == 1 for s in stopped_paying),
            len(stopped_paying),
        ),
        Row("  ... without an invoice", len(without_invoice), 0),
        Row("invoices with an amount due", len(owed)),
        Row(
            "  ... paid by exactly one successful payment",
            len(owed) - len(not_one_payment),
            len(owed),
        ),
        Row("successful charges in localstripe", charges, len(owed)),
        Row("bookings", len(bookings)),
        *(
            Row(f"  ... {state}", sum(b["status"] == state for b in bookings))
            for state in sorted(FINAL_BOOKING_STATES)
        ),
        Row("  ... not in a final state", len(open_bookings), 0),
        Row("  ... without exactly one final event", len(not_one_final), 0),
        *(Row(f"dead letters in {service}", count, 0) for service, count in dead.items()),
        *(Row(f"simulator: {name}", trouble[name], 0) for name in SIMULATOR_TROUBLE),
        # An Authorize the CSMS could not answer (its database down): no session, nothing lost.
        Row(
            "simulator: Authorize unanswered (the driver taps again)",
            sum(e.get("event") == "simulator.authorize.failed" for e in events),
        ),
    ]
    return rows, notes


def table(rows: list[Row]) -> str:
    width = max(len(row.figure) for row in rows)
    lines = [
        f"| {'figure':<{width}} | value | expected | |",
        f"|{'-' * (width + 2)}|------:|---------:|--|",
    ]
    for row in rows:
        expected = "" if row.expected is None else str(row.expected)
        verdict = "" if row.expected is None else ("ok" if row.ok else "DIFF")
        lines.append(f"| {row.figure:<{width}} | {row.value:>5} | {expected:>8} | {verdict} |")
    return "\n".join(lines)
