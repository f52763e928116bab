"""Ticket events into the outbox, in the caller's transaction. No text of the ticket travels,
except the safety report's (for operations); internal notes never produce an event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from shared.db import Connection
from shared.events.support import StationSafetyReported, TicketEvent
from shared.outbox import enqueue

SOURCE = "support"


def _picture(row: asyncpg.Record, at: datetime) -> dict[str, Any]:
    return {
        "ticket_id": str(row["id"]),
        "user_id": row["driver_id"],
        "category": row["category"],
        "priority": row["priority"],
        "status": row["status"],
        "origin": row["origin"],
        "assignee": row["assignee"],
        "session_id": row["session_id"],
        "charge_point_id": row["charge_point_id"],
        "reservation_id": row["reservation_id"],
        "invoice_id": row["invoice_id"],
        "created_at": row["created_at"],
        "first_response_at": row["first_response_at"],
        "resolved_at": row["resolved_at"],
        "sla_elapsed_s": row["sla_elapsed_s"],
        "first_response_breached": row["first_response_breached_at"] is not None,
        "resolution_breached": row["resolution_breached_at"] is not None,
        "at": at,
    }


async def publish(
    conn: Connection, event: type[TicketEvent], row: asyncpg.Record, at: datetime, **extra: Any
) -> None:
    payload = event.model_validate({**_picture(row, at), **extra})
    await enqueue(conn, payload, source=SOURCE, subject=str(row["id"]))


async def safety_reported(conn: Connection, row: asyncpg.Record) -> None:
    payload = StationSafetyReported(
        ticket_id=str(row["id"]),
        charge_point_id=row["charge_point_id"],
        session_id=row["session_id"],
        subject=row["subject"],
        description=row["description"],
        reported_at=row["created_at"],
    )
    await enqueue(
        conn,
        payload,
        source=SOURCE,
        subject=str(row["id"]),
        key=row["charge_point_id"] or str(row["id"]),
    )
