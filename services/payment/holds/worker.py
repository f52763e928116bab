"""The hold worker: the Stripe side of holds (capture, release) and their deadlines.

Stripe is called outside any transaction; each call carries an idempotency key (capture and
cancel are keyed by the PaymentIntent), and each outcome is written back in its own short
transaction, so a crash between the two repeats the call harmlessly on the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
import structlog

from services.payment.billing import settlement
from services.payment.holds import repository, service
from services.payment.invoices import repository as invoices
from services.payment.settings import Settings
from services.payment.stripe_gateway import (
    StripeGateway,
    StripeRejected,
    StripeUnavailable,
)
from services.payment.stripe_objects import PaymentIntentInfo
from shared.db import Connection
from shared.problems import Unavailable
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)
RELEASABLE = (
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
)


class HoldWorker:
    def __init__(self, runtime: ServiceRuntime, stripe: StripeGateway, settings: Settings) -> None:
        self._runtime = runtime
        self._stripe = stripe
        self._settings = settings

    @property
    def _pool(self) -> asyncpg.Pool:
        if self._runtime.pool is None:
            raise Unavailable("The service is starting; its database is not connected yet.")
        return self._runtime.pool

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield conn

    async def run(self) -> None:
        while True:
            try:
                await self.work_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("payment.holds.worker_failed", error=repr(exc))
            await asyncio.sleep(self._settings.holds_poll_interval_s)

    async def work_due(self) -> int:
        async with self._pool.acquire() as conn:
            due = await repository.due(conn, self._settings.hold_payment_timeout_s, 100)
        for hold in due:
            try:
                await self._work(hold)
            except (StripeUnavailable, Unavailable):
                log.warning("payment.holds.stripe_unavailable", hold_id=str(hold["id"]))
        return len(due)

    async def _work(self, hold: asyncpg.Record) -> None:
        status = hold["status"]
        if status == "awaiting_payment":
            await self._payment_timed_out(hold)
        elif status in ("authorized", "starting"):
            async with self._transaction() as conn:
                current = await repository.get(conn, hold["id"], for_update=True)
                if current is not None and current["status"] in ("authorized", "starting"):
                    await service.cancel(conn, current, "not-started", self._settings)
        elif status == "settling":
            await self.capture(hold["id"])
        elif status == "canceled":
            await self.release(hold["id"])

    async def open(
        self, *, kind: str, user_id: str | None, cp_id: str, connector_id: int
    ) -> asyncpg.Record:
        """Record the hold (committed first), then create its manual-capture PaymentIntent."""
        async with self._transaction() as conn:
            hold = await service.insert_hold(
                conn,
                self._settings,
                kind=kind,
                user_id=user_id,
                cp_id=cp_id,
                connector_id=connector_id,
            )
        try:
            intent = await self._stripe.create_payment_intent(
                key=f"hold:{hold['id']}",
                amount=hold["amount_minor"],
                currency=hold["currency"],
                customer_id=None,
                payment_method_id=None,
                metadata={"ladda_hold_id": str(hold["id"]), "ladda_hold_kind": kind},
                capture_method="manual",
            )
        except BaseException:
            async with self._transaction() as conn:
                current = await repository.get(conn, hold["id"], for_update=True)
                if current is not None:
                    await service.cancel(conn, current, "stripe-unavailable", self._settings)
            raise
        async with self._transaction() as conn:
            return await service.attach_intent(conn, hold["id"], intent)

    async def check_payment(self, hold_id: UUID) -> asyncpg.Record | None:
        """Read the PaymentIntent back and apply it (the payer says they confirmed it)."""
        async with self._pool.acquire() as conn:
            hold = await repository.get(conn, hold_id)
        if hold is None or not hold["stripe_payment_intent_id"]:
            return hold
        intent = await self._stripe.retrieve_payment_intent(hold["stripe_payment_intent_id"])
        async with self._transaction() as conn:
            return await service.apply_intent(conn, hold_id, intent, self._settings)

    async def _payment_timed_out(self, hold: asyncpg.Record) -> None:
        updated = await self.check_payment(hold["id"])
        if updated is not None and updated["status"] == "awaiting_payment":
            async with self._transaction() as conn:
                current = await repository.get(conn, hold["id"], for_update=True)
                if current is not None:
                    await service.cancel(conn, current, "not-paid", self._settings)
            await self.release(hold["id"])

    async def release(self, hold_id: UUID) -> None:
        async with self._pool.acquire() as conn:
            hold = await repository.get(conn, hold_id)
        if hold is None or hold["released"] or not hold["stripe_payment_intent_id"]:
            return
        intent_id = hold["stripe_payment_intent_id"]
        intent = await self._stripe.retrieve_payment_intent(intent_id)
        if intent.status in RELEASABLE:
            with contextlib.suppress(StripeRejected):  # canceled meanwhile: nothing to release
                await self._stripe.cancel_payment_intent(intent_id)
        elif intent.status == "succeeded":
            log.error("payment.hold.release_after_capture", hold_id=str(hold_id))
        async with self._transaction() as conn:
            await repository.update(conn, hold_id, released=True)
        log.info("payment.hold.released", hold_id=str(hold_id))

    async def capture(self, hold_id: UUID) -> None:
        """Capture what the session cost (the rest of the hold is released by Stripe)."""
        async with self._pool.acquire() as conn:
            hold = await repository.get(conn, hold_id)
        if hold is None or hold["status"] != "settling":
            return
        intent_id = hold["stripe_payment_intent_id"]
        amount = int(hold["capture_minor"] or 0)
        if amount == 0:
            await self._finish(hold, None, 0)
            await self.release(hold_id)
            return
        intent = await self._stripe.retrieve_payment_intent(intent_id)
        try:
            if intent.status == "requires_capture":
                intent = await self._stripe.capture_payment_intent(intent_id, amount)
        except StripeRejected:
            intent = await self._stripe.retrieve_payment_intent(intent_id)
        if intent.status != "succeeded":
            await self._capture_failed(hold, intent)
            return
        await self._finish(hold, intent, amount)

    async def _finish(
        self, hold: asyncpg.Record, intent: PaymentIntentInfo | None, amount: int
    ) -> None:
        async with self._transaction() as conn:
            current = await repository.get(conn, hold["id"], for_update=True)
            if current is None or current["status"] != "settling":
                return
            if intent is not None and current["invoice_id"] is not None:
                invoice = await invoices.get_invoice(conn, current["invoice_id"], for_update=True)
                assert invoice is not None
                payment = await invoices.payment_by_intent(conn, intent.id, for_update=True)
                if payment is None:
                    payment = await invoices.insert_payment(
                        conn, invoice, intent.payment_method_id or ""
                    )
                    await invoices.set_payment_intent(conn, payment["id"], intent.id)
                # The intent's amount is what was held; the invoice is paid what was captured.
                await settlement.settle(
                    conn,
                    payment["id"],
                    dataclasses.replace(intent, amount=amount),
                    self._settings.charge_retry_schedule_s,
                )
            row = await repository.update(
                conn,
                current["id"],
                status="captured",
                captured_minor=amount,
                released=amount > 0,
            )
            await service.publish_closed(conn, row, "captured", None, self._settings)
        log.info("payment.hold.captured", hold_id=str(hold["id"]), amount_minor=amount)

    async def _capture_failed(self, hold: asyncpg.Record, intent: PaymentIntentInfo) -> None:
        """The authorisation lapsed (or was canceled): a driver's card on file takes over."""
        log.error("payment.hold.capture_failed", hold_id=str(hold["id"]), status=intent.status)
        async with self._transaction() as conn:
            current = await repository.get(conn, hold["id"], for_update=True)
            if current is None or current["status"] != "settling":
                return
            row = await repository.update(
                conn,
                current["id"],
                status="canceled",
                cancel_reason="capture-failed",
                released=True,
            )
            await service.publish_closed(conn, row, "released", "capture-failed", self._settings)
            if current["user_id"] and current["invoice_id"]:
                await invoices.postpone(conn, current["invoice_id"], service.now())
