"""Every SQL statement of the Stripe webhook inbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import asyncpg

from services.payment.stripe_objects import WebhookEvent
from shared.db import Connection


async def store(conn: Connection, event: WebhookEvent) -> bool:
    """True when the event is new; a replayed or re-sent event is not stored again."""
    inserted = await conn.fetchval(
        """insert into stripe_events (id, type, object_id, created, payload)
           values ($1, $2, $3, $4, $5)
           on conflict (id) do nothing
           returning true""",
        event.id,
        event.type,
        event.object.get("id"),
        datetime.fromtimestamp(event.created, UTC),
        json.loads(json.dumps(event.payload)),
    )
    return bool(inserted)


async def claim(conn: Connection, event_id: str) -> asyncpg.Record | None:
    """Lock an unprocessed event for this transaction (another worker skips it)."""
    return await conn.fetchrow(
        """select id, type, created, payload from stripe_events
            where id = $1 and processed_at is null
            for update skip locked""",
        event_id,
    )


async def mark_processed(conn: Connection, event_id: str) -> None:
    await conn.execute(
        "update stripe_events set processed_at = now(), attempts = attempts + 1, "
        "last_error = null where id = $1",
        event_id,
    )


async def mark_failed(conn: Connection, event_id: str, error: str) -> None:
    await conn.execute(
        "update stripe_events set attempts = attempts + 1, last_error = $2 where id = $1",
        event_id,
        error[:500],
    )


async def pending(conn: Connection, max_attempts: int, limit: int) -> list[str]:
    rows = await conn.fetch(
        """select id from stripe_events
            where processed_at is null and attempts < $1
            order by received_at limit $2""",
        max_attempts,
        limit,
    )
    return [row["id"] for row in rows]
