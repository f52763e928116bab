"""Collecting open invoices: off-session charges of the saved default method, and retries.

One attempt is a `payments` row written *before* Stripe is called, then the PaymentIntent is
created (idempotency key per invoice and attempt) and its id stored, then it is confirmed.
A crash anywhere resumes from the row: an intent not yet confirmed is confirmed, a confirmed
one is read back, so an invoice is never charged twice. One collector at a time works on an
invoice (a PostgreSQL advisory lock), whichever replica or request it runs in.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import structlog

from services.payment.billing import settlement
from services.payment.billing.issuing import COLLECT_CHANNEL
from services.payment.customers import repository as customers
from services.payment.customers import service as customers_service
from services.payment.invoices import repository
from services.payment.settings import Settings
from services.payment.stripe_gateway import (
    StripeGateway,
    StripeObjectMissing,
    StripeRejected,
    StripeUnavailable,
)
from services.payment.stripe_objects import PaymentIntentInfo
from shared.db import Connection
from shared.problems import Unavailable
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)
_LOCK_SPACE = 7_410_104


@dataclass(frozen=True)
class CollectOutcome:
    invoice_id: UUID
    # paid | failed | processing | busy | not_open | not_due | unavailable
    result: str
    failure_code: str | None = None


# The attempt's customer or card is gone from Stripe (the driver is told to add a card).
MISSING = "resource_missing"


@dataclass(frozen=True)
class _Attempt:
    user_id: str
    payment_id: UUID
    intent_id: str | None
    customer_id: str | None
    payment_method_id: str | None
    amount_minor: int
    currency: str
    attempt: int


class Collector:
    def __init__(self, runtime: ServiceRuntime, stripe: StripeGateway, settings: Settings) -> None:
        self._runtime = runtime
        self._stripe = stripe
        self._settings = settings
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(settings.collector_concurrency)
        self.attempts = 0

    @property
    def _pool(self) -> asyncpg.Pool:
        if self._runtime.pool is None:
            raise Unavailable("The service is starting; its database is not connected yet.")
        return self._runtime.pool

    # -- the background loop ----------------------------------------------------------------

    async def run(self) -> None:
        while True:
            try:
                await self._listen_and_collect()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("payment.collector.retrying", error=repr(exc))
                await asyncio.sleep(1.0)

    async def _listen_and_collect(self) -> None:
        async with self._pool.acquire() as listener:
            await listener.add_listener(COLLECT_CHANNEL, self._notified)
            try:
                while True:
                    self._wakeup.clear()
                    await self.collect_due()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self._wakeup.wait(), self._settings.collector_poll_interval_s
                        )
                    if listener.is_closed():
                        raise ConnectionError("collector listener connection closed")
            finally:
                if not listener.is_closed():
                    await listener.remove_listener(COLLECT_CHANNEL, self._notified)

    def _notified(self, *_: object) -> None:
        self._wakeup.set()

    async def collect_due(self) -> int:
        async with self._pool.acquire() as conn:
            due = await repository.due_invoices(conn, 200)
        await asyncio.gather(*(self._collect_in_slot(invoice_id) for invoice_id in due))
        return len(due)

    async def _collect_in_slot(self, invoice_id: UUID) -> None:
        async with self._slots:
            try:
                await self.collect(invoice_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("payment.collector.failed", invoice_id=str(invoice_id), error=repr(exc))

    # -- one invoice --------------------------------------------------------------------------

    async def collect(
        self,
        invoice_id: UUID,
        *,
        by_driver: bool = False,
        payment_method_id: str | None = None,
    ) -> CollectOutcome:
        """Charge an open invoice once. `by_driver`: the driver asked to pay now (from the app)."""
        # One connection for the whole attempt: it holds the lock and runs each short
        # transaction in turn (never two connections per attempt, which could starve the pool).
        async with self._pool.acquire() as conn:
            key = str(invoice_id)
            if not await conn.fetchval(
                "select pg_try_advisory_lock($1, hashtext($2))", _LOCK_SPACE, key
            ):
                return CollectOutcome(invoice_id, "busy")
            try:
                return await self._collect_locked(conn, invoice_id, by_driver, payment_method_id)
            finally:
                await conn.execute("select pg_advisory_unlock($1, hashtext($2))", _LOCK_SPACE, key)

    async def _collect_locked(
        self, conn: Connection, invoice_id: UUID, by_driver: bool, payment_method_id: str | None
    ) -> CollectOutcome:
        attempt = await self._prepare(conn, invoice_id, by_driver, payment_method_id)
        if isinstance(attempt, CollectOutcome):
            return attempt
        self.attempts += 1
        try:
            if attempt.intent_id is None:
                intent = await self._create_intent(conn, invoice_id, attempt)
            else:
                # Resuming after a crash or while Stripe was processing: ask where it stands.
                intent = await self._stripe.retrieve_payment_intent(attempt.intent_id)
            intent_id = intent.id
            if self._settings.fault_pause_before_confirm_s:
                await asyncio.sleep(self._settings.fault_pause_before_confirm_s)
            if intent.status == "requires_confirmation":
                intent = await self._stripe.confirm_payment_intent(intent_id)
            if intent.status == "requires_action":
                # Off-session, nobody can authenticate: release the intent; the driver pays
                # the open invoice from the app instead.
                with contextlib.suppress(StripeRejected, StripeUnavailable):
                    await self._stripe.cancel_payment_intent(intent_id)
        except StripeObjectMissing as exc:
            # The customer or card was deleted in Stripe (or a test server lost them): forget
            # it, so the driver's standing says so and a new card can be saved; the attempt
            # failed like a decline, and the schedule and the driver take over.
            async with conn.transaction():
                gone = await customers_service.forget_vanished(
                    conn,
                    self._stripe,
                    attempt.user_id,
                    attempt.customer_id,
                    attempt.payment_method_id,
                )
                await settlement.reject(
                    conn,
                    attempt.payment_id,
                    exc.detail,
                    self._settings.charge_retry_schedule_s,
                    code=MISSING,
                )
            log.warning(
                "payment.collector.stripe_object_missing", invoice_id=str(invoice_id), gone=gone
            )
            return CollectOutcome(invoice_id, "failed", MISSING)
        except StripeRejected as exc:
            # Stripe refuses the attempt itself (the method vanished, the intent is unknown):
            # a failed attempt like a decline, so the schedule and the driver take over.
            async with conn.transaction():
                await settlement.reject(
                    conn, attempt.payment_id, exc.detail, self._settings.charge_retry_schedule_s
                )
            return CollectOutcome(invoice_id, "failed", "stripe_rejected")
        except (StripeUnavailable, Unavailable) as exc:
            log.warning("payment.collector.stripe_unavailable", invoice_id=str(invoice_id))
            async with conn.transaction():
                await repository.postpone(
                    conn, invoice_id, datetime.now(UTC) + settlement.PROCESSING_RECHECK
                )
            return CollectOutcome(invoice_id, "unavailable", str(exc.detail))
        async with conn.transaction():
            status = await settlement.settle(
                conn, attempt.payment_id, intent, self._settings.charge_retry_schedule_s
            )
        result = {"succeeded": "paid", "failed": "failed", "canceled": "failed"}.get(
            status, "processing"
        )
        code = intent.error_code if result == "failed" else None
        if result == "failed" and code is None:
            code = "authentication_required" if intent.status == "requires_action" else "declined"
        return CollectOutcome(invoice_id, result, code)

    async def _prepare(
        self, conn: Connection, invoice_id: UUID, by_driver: bool, payment_method_id: str | None
    ) -> _Attempt | CollectOutcome:
        """Find the attempt to resume, or record a new one (committed before Stripe is called)."""
        async with conn.transaction():
            invoice = await repository.get_invoice(conn, invoice_id, for_update=True)
            if invoice is None or invoice["status"] != "open":
                return CollectOutcome(invoice_id, "not_open")
            pending = await repository.unfinished_payment(conn, invoice_id)
            customer = await customers.get_customer(conn, invoice["user_id"])
            customer_id = customer["stripe_customer_id"] if customer else None
            if pending is not None:
                return _Attempt(
                    user_id=invoice["user_id"],
                    payment_id=pending["id"],
                    intent_id=pending["stripe_payment_intent_id"],
                    customer_id=customer_id,
                    payment_method_id=pending["payment_method_id"],
                    amount_minor=pending["amount_minor"],
                    currency=pending["currency"],
                    attempt=pending["attempt"],
                )
            due = invoice["next_attempt_at"]
            if not by_driver and (due is None or due > await conn.fetchval("select now()")):
                return CollectOutcome(invoice_id, "not_due")
            method = payment_method_id or (
                customer["default_payment_method_id"] if customer else None
            )
            if (
                customer_id is None
                or method is None
                or await customers.active_method(conn, invoice["user_id"], method) is None
            ):
                await settlement.record_failure(
                    conn, invoice, "no_payment_method", self._settings.charge_retry_schedule_s
                )
                return CollectOutcome(invoice_id, "failed", "no_payment_method")
            payment = await repository.insert_payment(conn, invoice, method)
            return _Attempt(
                user_id=invoice["user_id"],
                payment_id=payment["id"],
                intent_id=None,
                customer_id=customer_id,
                payment_method_id=method,
                amount_minor=payment["amount_minor"],
                currency=payment["currency"],
                attempt=payment["attempt"],
            )

    async def _create_intent(
        self, conn: Connection, invoice_id: UUID, attempt: _Attempt
    ) -> PaymentIntentInfo:
        intent = await self._stripe.create_payment_intent(
            key=f"invoice:{invoice_id}:attempt:{attempt.attempt}",
            amount=attempt.amount_minor,
            currency=attempt.currency,
            customer_id=attempt.customer_id,
            payment_method_id=attempt.payment_method_id,
            metadata={
                "ladda_invoice_id": str(invoice_id),
                "ladda_payment_id": str(attempt.payment_id),
                "ladda_attempt": str(attempt.attempt),
            },
        )
        async with conn.transaction():
            await repository.set_payment_intent(conn, attempt.payment_id, intent.id)
        return intent
