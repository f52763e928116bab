"""Subscribe, change plan, cancel: the Stripe calls, each between two short transactions."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import structlog

from services.payment.stripe_billing import StripeBilling
from services.payment.subscriptions import repository, service
from services.payment.subscriptions.schemas import SubscriptionOut
from shared.auth.jwt import Principal
from shared.problems import Conflict, NotFound

log = structlog.get_logger(__name__)


async def subscribe(
    pool: asyncpg.Pool, billing: StripeBilling, principal: Principal, plan_id: UUID
) -> SubscriptionOut:
    async with pool.acquire() as conn, conn.transaction():
        row, plan, customer_id, method_id = await service.prepare_subscription(
            conn, principal, plan_id
        )
    try:
        await billing.set_invoice_payment_method(customer_id, method_id)
        info = await billing.subscribe(
            key=str(row["id"]),
            customer_id=customer_id,
            plan_id=plan["stripe_plan_id"],
            metadata={"ladda_user_id": principal.subject, "ladda_subscription_id": str(row["id"])},
        )
    except BaseException:
        async with pool.acquire() as conn, conn.transaction():
            await repository.update_subscription(conn, row["id"], status="failed")
        raise
    async with pool.acquire() as conn, conn.transaction():
        current = await repository.get_subscription(conn, row["id"], for_update=True)
        assert current is not None
        row = await service.apply_state(conn, current, info, service.now())
    log.info("payment.subscription.created", subscription_id=str(row["id"]), status=row["status"])
    return service.subscription_out(row)


async def _live(pool: asyncpg.Pool, principal: Principal, subscription_id: UUID) -> asyncpg.Record:
    async with pool.acquire() as conn:
        row = await service.visible(conn, principal, subscription_id)
    if row["stripe_subscription_id"] is None or row["status"] in ("canceled", "failed"):
        raise Conflict("The subscription has ended.")
    return row


async def change_plan(
    pool: asyncpg.Pool,
    billing: StripeBilling,
    principal: Principal,
    subscription_id: UUID,
    plan_id: UUID,
) -> SubscriptionOut:
    row = await _live(pool, principal, subscription_id)
    async with pool.acquire() as conn:
        plan = await repository.get_plan(conn, plan_id)
    if plan is None or not plan["active"]:
        raise NotFound("No such plan.")
    info = await billing.change_plan(
        row["stripe_subscription_id"], row["stripe_item_id"], plan["stripe_plan_id"]
    )
    async with pool.acquire() as conn, conn.transaction():
        current = await repository.get_subscription(conn, row["id"], for_update=True)
        assert current is not None
        updated = await service.apply_state(conn, current, info, service.now())
        if updated["plan_id"] != plan_id and updated["status"] != "canceled":
            updated = await repository.update_subscription(conn, row["id"], plan_id=plan_id)
    return service.subscription_out(updated)


async def cancel(
    pool: asyncpg.Pool,
    billing: StripeBilling,
    principal: Principal,
    subscription_id: UUID,
    *,
    immediately: bool,
) -> SubscriptionOut:
    row = await _live(pool, principal, subscription_id)
    if immediately:
        info = await billing.cancel_now(row["stripe_subscription_id"])
    else:
        info = await billing.cancel_at_period_end(row["stripe_subscription_id"])
    async with pool.acquire() as conn, conn.transaction():
        current = await repository.get_subscription(conn, row["id"], for_update=True)
        assert current is not None
        updated = await service.apply_state(conn, current, info, service.now())
    return service.subscription_out(updated)
