"""Receive a verified Stripe event: store it once (its own commit), then process it once."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import structlog

from services.payment.stripe_objects import WebhookEvent
from services.payment.webhooks import repository
from services.payment.webhooks.dispatch import WebhookDispatcher

log = structlog.get_logger(__name__)
MAX_ATTEMPTS = 10


def _event_from_row(row: Any) -> WebhookEvent:
    payload = row["payload"]
    return WebhookEvent(
        id=row["id"],
        type=row["type"],
        created=int(row["created"].timestamp()),
        object=dict(payload.get("data", {}).get("object") or {}),
        payload=payload,
    )


async def receive(pool: asyncpg.Pool, dispatcher: WebhookDispatcher, event: WebhookEvent) -> bool:
    """Store, then process. Returns False for an event already stored (a replay or re-send).

    The event is committed before any work, so Stripe gets its 2xx even when processing fails;
    failed processing is retried by `run_retries`, never lost.
    """
    async with pool.acquire() as conn, conn.transaction():
        stored = await repository.store(conn, event)
    if not stored:
        log.info("payment.webhook.duplicate", event_id=event.id, event_type=event.type)
        return False
    await process(pool, dispatcher, event.id)
    return True


async def process(pool: asyncpg.Pool, dispatcher: WebhookDispatcher, event_id: str) -> bool:
    try:
        async with pool.acquire() as conn, conn.transaction():
            row = await repository.claim(conn, event_id)
            if row is None:
                return False  # processed already, or another worker holds it
            event = _event_from_row(row)
            for handler in dispatcher.handlers_for(event.type):
                await handler(conn, event)
            await repository.mark_processed(conn, event_id)
        log.info("payment.webhook.processed", event_id=event_id, event_type=event.type)
        return True
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.error("payment.webhook.failed", event_id=event_id, error=repr(exc))
        async with pool.acquire() as conn:
            await repository.mark_failed(conn, event_id, repr(exc))
        return False


async def run_retries(pool: asyncpg.Pool, dispatcher: WebhookDispatcher, interval_s: float) -> None:
    """Process events whose first processing failed (or was cut short by a crash)."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            async with pool.acquire() as conn:
                ids = await repository.pending(conn, MAX_ATTEMPTS, 100)
            for event_id in ids:
                await process(pool, dispatcher, event_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("payment.webhook.retry_failed", error=repr(exc))
