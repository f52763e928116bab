"""Plans and subscriptions: mirrored to Stripe Billing, state taken from Stripe's objects.

Stripe is called outside any transaction (the row exists first, with an idempotency key derived
from it); what Stripe answers and what its webhooks say are applied by `apply_state`, which
compares states, not arrival order: a canceled subscription stays canceled, and a state older
(by Stripe's event time) than the stored one is ignored. A change of "active" republishes the
driver's standing on payment.accounts.v1, so identity's decisions follow.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from services.payment.customers import repository as customers
from services.payment.customers.standing import publish_standing
from services.payment.settings import Settings
from services.payment.stripe_billing import StripeBilling, SubscriptionInfo
from services.payment.subscriptions import repository
from services.payment.subscriptions.schemas import (
    PlanCreate,
    PlanOut,
    PlanUpdate,
    SubscriptionOut,
)
from shared.auth.jwt import Principal
from shared.db import Connection
from shared.problems import Conflict, NotFound

log = structlog.get_logger(__name__)
ACTIVE = ("active", "trialing")


def plan_out(row: asyncpg.Record) -> PlanOut:
    return PlanOut(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        monthly_fee_minor=row["monthly_fee_minor"],
        currency=row["currency"],
        allowance_kwh=row["allowance_wh"] // 1000 if row["allowance_wh"] else None,
        charge_point_ids=list(row["charge_point_ids"]),
        active=row["active"],
        created_at=row["created_at"],
    )


def subscription_out(row: asyncpg.Record) -> SubscriptionOut:
    return SubscriptionOut(**{name: row[name] for name in SubscriptionOut.model_fields})


# -- plans (operators) --------------------------------------------------------------------------


async def create_plan(
    pool: asyncpg.Pool, billing: StripeBilling, settings: Settings, body: PlanCreate, actor: str
) -> PlanOut:
    plan_id = uuid.uuid4()
    currency = body.currency or settings.default_currency
    product_id, stripe_plan_id = await billing.create_plan(
        plan_id=str(plan_id), name=body.name, amount=body.monthly_fee_minor, currency=currency
    )
    async with pool.acquire() as conn, conn.transaction():
        row = await repository.insert_plan(
            conn,
            {
                "id": plan_id,
                "name": body.name,
                "kind": body.kind,
                "monthly_fee_minor": body.monthly_fee_minor,
                "currency": currency,
                "allowance_wh": body.allowance_kwh * 1000 if body.allowance_kwh else None,
                "charge_point_ids": body.charge_point_ids,
                "stripe_product_id": product_id,
                "stripe_plan_id": stripe_plan_id,
                "created_by": actor,
            },
        )
    log.info("payment.plan.created", plan_id=str(plan_id), kind=body.kind)
    return plan_out(row)


async def list_plans(conn: Connection, principal: Principal) -> list[PlanOut]:
    rows = await repository.list_plans(conn, active_only=not principal.is_staff)
    return [plan_out(row) for row in rows]


async def get_plan(conn: Connection, principal: Principal, plan_id: UUID) -> PlanOut:
    row = await repository.get_plan(conn, plan_id)
    if row is None or not (row["active"] or principal.is_staff):
        raise NotFound("No such plan.")
    return plan_out(row)


async def update_plan(conn: Connection, plan_id: UUID, body: PlanUpdate) -> PlanOut:
    values = body.model_dump(exclude_none=True)
    row = await repository.update_plan(conn, plan_id, **values) if values else None
    row = row or await repository.get_plan(conn, plan_id)
    if row is None:
        raise NotFound("No such plan.")
    return plan_out(row)


# -- subscriptions (drivers) --------------------------------------------------------------------


async def visible(conn: Connection, principal: Principal, subscription_id: UUID) -> asyncpg.Record:
    """A driver's own subscription; anyone else's is 404. Staff read all."""
    row = await repository.get_subscription(conn, subscription_id)
    if row is None or not (principal.is_staff or row["user_id"] == principal.subject):
        raise NotFound("No such subscription.")
    return row


async def list_subscriptions(
    conn: Connection, principal: Principal, *, user_id: str | None, limit: int, offset: int
) -> list[SubscriptionOut]:
    owner = user_id if principal.is_staff else principal.subject
    rows = await repository.list_subscriptions(conn, user_id=owner, limit=limit, offset=offset)
    return [subscription_out(row) for row in rows]


async def apply_state(
    conn: Connection, subscription: asyncpg.Record, info: SubscriptionInfo, at: datetime
) -> asyncpg.Record:
    """Store Stripe's state of the subscription unless it is older than the stored one."""
    if subscription["status"] == "canceled":
        return subscription  # terminal: a late "active" never revives it
    if subscription["state_at"] is not None and at < subscription["state_at"]:
        return subscription
    values: dict[str, Any] = {
        "stripe_subscription_id": info.id,
        "status": info.status,
        "cancel_at_period_end": info.cancel_at_period_end,
        "current_period_start": info.current_period_start,
        "current_period_end": info.current_period_end,
        "state_at": at,
    }
    if info.item_id:
        values["stripe_item_id"] = info.item_id
    if info.plan_id:
        plan = await repository.plan_by_stripe_id(conn, info.plan_id)
        if plan is not None:
            values["plan_id"] = plan["id"]
    if info.status == "canceled":
        values["canceled_at"] = at
    row = await repository.update_subscription(conn, subscription["id"], **values)
    await _changed(conn, subscription, row)
    return row


async def set_status(
    conn: Connection, subscription: asyncpg.Record, status: str, at: datetime
) -> asyncpg.Record:
    """A status learnt from a subscription invoice's webhook (paid, payment failed)."""
    if subscription["status"] == "canceled":
        return subscription
    if subscription["state_at"] is not None and at < subscription["state_at"]:
        return subscription
    row = await repository.update_subscription(conn, subscription["id"], status=status, state_at=at)
    await _changed(conn, subscription, row)
    return row


async def _changed(conn: Connection, before: asyncpg.Record, row: asyncpg.Record) -> None:
    if (before["status"] in ACTIVE) != (row["status"] in ACTIVE):
        await publish_standing(conn, row["user_id"])
    log.info(
        "payment.subscription.state",
        subscription_id=str(row["id"]),
        status=row["status"],
        previous=before["status"],
    )


async def prepare_subscription(
    conn: Connection, principal: Principal, plan_id: UUID
) -> tuple[asyncpg.Record, asyncpg.Record, str, str]:
    """Checks, then the row (committed before Stripe is called): subscription, plan, customer,
    payment method."""
    plan = await repository.get_plan(conn, plan_id)
    if plan is None or not plan["active"]:
        raise NotFound("No such plan.")
    customer = await customers.get_customer(conn, principal.subject)
    if (
        customer is None
        or customer["stripe_customer_id"] is None
        or customer["default_payment_method_id"] is None
    ):
        raise Conflict("Save a card first: the monthly fee is charged to it.")
    row = await repository.insert_subscription(conn, uuid.uuid4(), principal.subject, plan_id)
    if row is None:
        raise Conflict("You already have a subscription; change its plan instead.")
    return row, plan, customer["stripe_customer_id"], customer["default_payment_method_id"]


def now() -> datetime:
    """When our own read-back of the subscription (Stripe's answer to our call) was taken.

    Stripe's event times have whole seconds, so a webhook of the same second counts as older
    than the read-back: in practice it is the earlier state (a subscription created and changed
    within one second sends `created` with the first plan after we stored the second one), and
    taking it would put the driver back on the old plan. Later changes come with later events."""
    return datetime.now(UTC)
