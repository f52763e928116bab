"""Many events into the shared outbox in one statement (a reconnect storm's thousands of events).

Same rows as `shared.outbox.enqueue` writes (envelope, topic, key) and the same wake-up of the
relay, but one round trip for the whole batch instead of two per event.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.db import Connection
from shared.events.envelope import Envelope, EventPayload
from shared.logging import current_correlation_id
from shared.outbox import NOTIFY_CHANNEL


async def enqueue_many(
    conn: Connection, events: Sequence[tuple[EventPayload, str]], *, source: str
) -> None:
    """Record (payload, charge point id) events, keyed and subjected by the charge point id."""
    if not events:
        return
    correlation = current_correlation_id()
    envelopes = [
        Envelope.wrap(payload, source=source, subject=key, correlation_id=correlation)
        for payload, key in events
    ]
    await conn.execute(
        """insert into outbox (event_id, topic, key, envelope)
           select * from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])""",
        [envelope.id for envelope in envelopes],
        [payload.topic.name for payload, _ in events],
        [key for _, key in events],
        [envelope.model_dump(mode="json") for envelope in envelopes],
    )
    await conn.execute("select pg_notify($1, '')", NOTIFY_CHANNEL)
