"""The dispatcher: sends pending deliveries concurrently, within bounds, and records outcomes.

E-mails and webhooks are claimed separately, each channel with its own bound, and at most one
delivery per webhook subscription is in flight: a down mail server or a slow endpoint holds its
own slots and delays nothing else. A failed attempt is retried with exponential backoff and
jitter; nothing is lost (a delivery stays pending until sent, dropped or failed for good), and
a crash mid-send only resends it under the same Message-ID / Ladda-Delivery-Id.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import time
import uuid
from dataclasses import dataclass

import structlog
from prometheus_client import Counter

from services.notifications.channels.outcomes import NotToBeSent, SendFailed, SendRefused
from services.notifications.deliveries import repository
from services.notifications.deliveries.decisions import tell_webhook_disabled
from services.notifications.deliveries.repository import Delivery
from services.notifications.deliveries.sending import Sender
from services.notifications.settings import Settings
from services.notifications.subscriptions import repository as subscriptions
from shared.clock import utc_now
from shared.db import Connection
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)

ATTEMPTS = Counter(
    "ladda_notifications_attempts_total",
    "Send attempts by channel and outcome (sent, retry, dropped, failed).",
    ["channel", "outcome"],
)


@dataclass(frozen=True)
class Outcome:
    # sent | retry | dropped | failed
    status: str
    reason: str | None


def backoff_s(settings: Settings, attempt: int) -> float:
    """base x 2^(attempt-1), capped, with jitter in [½, 1] so retries of a burst spread out."""
    ceiling = min(settings.retry_max_s, settings.retry_base_s * 2.0 ** max(attempt - 1, 0))
    return float(ceiling * random.uniform(0.5, 1.0))  # noqa: S311 (jitter, not a secret)


class Dispatcher:
    def __init__(self, runtime: ServiceRuntime, settings: Settings, sender: Sender) -> None:
        self._runtime = runtime
        self._settings = settings
        self._sender = sender
        self._emails: set[asyncio.Task[None]] = set()
        self._webhooks: dict[uuid.UUID, asyncio.Task[None]] = {}
        # After the mail server could not be reached, e-mails rest a while (not every due mail
        # knocking on a closed door each tick).
        self._smtp_resting_until = 0.0
        self._wakeup = asyncio.Event()

    def kick(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.dispatch_once()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the database is down: try again at the next tick
                    log.warning("notifications.dispatch.failed", error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._settings.dispatch_interval_s)
                self._wakeup.clear()
        finally:
            for task in [*self._emails, *self._webhooks.values()]:
                task.cancel()

    async def dispatch_once(self) -> int:
        settings = self._settings
        emails: list[Delivery] = []
        webhooks: list[Delivery] = []
        async with self._runtime.transaction() as conn:
            free = settings.email_concurrency - len(self._emails)
            if free > 0 and time.monotonic() >= self._smtp_resting_until:
                emails = await repository.claim_emails(conn, free, settings.lease_s)
            free = settings.webhook_concurrency - len(self._webhooks)
            if free > 0:
                webhooks = await repository.claim_webhooks(
                    conn, free, settings.lease_s, list(self._webhooks)
                )
        for delivery in emails:
            task = asyncio.create_task(self._attempt(delivery))
            self._emails.add(task)
            task.add_done_callback(self._emails.discard)
        for delivery in webhooks:
            assert delivery.subscription_id is not None
            subscription_id = delivery.subscription_id
            task = asyncio.create_task(self._attempt(delivery))
            self._webhooks[subscription_id] = task
            task.add_done_callback(functools.partial(self._webhook_done, subscription_id))
        return len(emails) + len(webhooks)

    def _webhook_done(self, subscription_id: uuid.UUID, _: asyncio.Task[None]) -> None:
        self._webhooks.pop(subscription_id, None)

    async def _attempt(self, delivery: Delivery) -> None:
        fields = {
            "delivery_id": str(delivery.id),
            "kind": delivery.kind,
            "channel": delivery.channel,
        }
        outcome: Outcome
        try:
            await self._sender.send(delivery)
        except NotToBeSent as exc:
            log.info("notifications.dropped", reason=str(exc), **fields)
            outcome = Outcome("dropped", str(exc))
        except SendRefused as exc:
            log.warning("notifications.refused", reason=str(exc), **fields)
            outcome = Outcome("failed", str(exc))
        except SendFailed as exc:
            log.info(
                "notifications.attempt_failed",
                reason=exc.reason,
                attempt=delivery.attempts,
                **fields,
            )
            if exc.connection and delivery.channel == "email":
                self._smtp_resting_until = time.monotonic() + self._settings.retry_base_s
            outcome = Outcome("retry", exc.reason)
        except Exception as exc:  # a bug (a template, a payload): kept and retried, never lost
            log.error("notifications.attempt_crashed", error=repr(exc), **fields)
            outcome = Outcome("retry", repr(exc))
        else:
            log.info("notifications.sent", attempt=delivery.attempts, **fields)
            outcome = Outcome("sent", None)
        ATTEMPTS.labels(delivery.channel, outcome.status).inc()
        await self._record(delivery, outcome)

    async def _record(self, delivery: Delivery, outcome: Outcome) -> None:
        """The outcome, in its own transaction; if the database is away the lease runs out and
        the delivery is attempted again (same id: receivers drop the duplicate)."""
        for pause in (0.5, 1.0, 2.0, 4.0):
            try:
                async with self._runtime.transaction() as conn:
                    if outcome.status == "sent":
                        await self._sent(conn, delivery)
                    elif outcome.status == "retry":
                        await self._failed(conn, delivery, outcome.reason or "")
                    else:
                        await repository.mark_final(
                            conn, delivery.id, outcome.status, outcome.reason or ""
                        )
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("notifications.outcome_not_recorded", error=repr(exc))
                await asyncio.sleep(pause)

    async def _sent(self, conn: Connection, delivery: Delivery) -> None:
        await repository.mark_sent(conn, delivery.id)
        if delivery.channel == "webhook" and delivery.subscription_id is not None:
            await subscriptions.attempt_succeeded(conn, delivery.subscription_id)

    async def _failed(self, conn: Connection, delivery: Delivery, error: str) -> None:
        settings = self._settings
        if delivery.channel == "webhook":
            assert delivery.subscription_id is not None
            await self._webhook_failed(conn, delivery.subscription_id)
            if delivery.attempts >= settings.webhook_max_attempts:
                await repository.mark_final(
                    conn, delivery.id, "failed", "attempts-exhausted", error
                )
                return
        else:
            age = (utc_now() - delivery.created_at).total_seconds()
            if age > settings.email_give_up_after_s:
                await repository.mark_final(conn, delivery.id, "failed", "gave-up", error)
                return
        await repository.mark_retry(
            conn, delivery.id, backoff_s(settings, delivery.attempts), error
        )

    async def _webhook_failed(self, conn: Connection, subscription_id: uuid.UUID) -> None:
        failures = await subscriptions.attempt_failed(conn, subscription_id)
        if failures < self._settings.webhook_disable_after_failures:
            return
        disabled_at = await subscriptions.disable(
            conn, subscription_id, f"{failures} failed attempts in a row"
        )
        subscription = await subscriptions.get(conn, subscription_id)
        if disabled_at is None or subscription is None or subscription.url is None:
            return
        log.warning("notifications.webhook.disabled", subscription_id=str(subscription_id))
        await tell_webhook_disabled(
            conn,
            subscription_id,
            subscription.owner_id,
            subscription.url,
            failures,
            disabled_at.isoformat(),
        )
