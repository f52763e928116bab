"""`/v1/plans` (operators and admins manage, everyone signed in reads the active ones) and
`/v1/subscriptions` (drivers subscribe, change plan, cancel; staff read)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from services.payment.deps import DriverPrincipal, Payments, TariffManager
from services.payment.stripe_billing import StripeBilling
from services.payment.subscriptions import lifecycle, service
from services.payment.subscriptions.schemas import (
    PlanCreate,
    PlanOut,
    PlanUpdate,
    SubscriptionChange,
    SubscriptionCreate,
    SubscriptionOut,
)
from shared.auth.deps import require_roles
from shared.auth.jwt import Principal
from shared.service import DbConn

plans = APIRouter(prefix="/v1/plans", tags=["subscription plans"])
router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])
Reader = Annotated[Principal, Depends(require_roles("driver", "support", "operator", "admin"))]
PlanManager = TariffManager  # operators and admins, as for tariffs


def stripe_billing(payments: Payments) -> StripeBilling:
    return StripeBilling(payments.stripe)


Billing = Annotated[StripeBilling, Depends(stripe_billing)]


@plans.post("", status_code=status.HTTP_201_CREATED)
async def create_plan(
    body: PlanCreate, payments: Payments, billing: Billing, principal: PlanManager
) -> PlanOut:
    """A plan and its Stripe Product and monthly Plan (the fee incl. VAT)."""
    return await service.create_plan(
        payments.pool, billing, payments.settings, body, principal.subject
    )


@plans.get("")
async def list_plans(conn: DbConn, principal: Reader) -> list[PlanOut]:
    """Drivers see the plans on offer; staff also the retired ones."""
    return await service.list_plans(conn, principal)


@plans.get("/{plan_id}")
async def read_plan(plan_id: UUID, conn: DbConn, principal: Reader) -> PlanOut:
    return await service.get_plan(conn, principal, plan_id)


@plans.patch("/{plan_id}")
async def update_plan(plan_id: UUID, body: PlanUpdate, conn: DbConn, _: PlanManager) -> PlanOut:
    """Rename or retire (active: false) a plan; its subscribers keep it until they change."""
    return await service.update_plan(conn, plan_id, body)


@router.post("", status_code=status.HTTP_201_CREATED)
async def subscribe(
    body: SubscriptionCreate, payments: Payments, billing: Billing, principal: DriverPrincipal
) -> SubscriptionOut:
    """Subscribe with the default saved card (the first month is charged now)."""
    return await lifecycle.subscribe(payments.pool, billing, principal, body.plan_id)


@router.get("")
async def list_subscriptions(
    conn: DbConn,
    principal: Reader,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[SubscriptionOut]:
    """A driver's own; staff all (filter by `user_id`)."""
    return await service.list_subscriptions(
        conn, principal, user_id=user_id, limit=limit, offset=offset
    )


@router.get("/{subscription_id}")
async def read_subscription(
    subscription_id: UUID, conn: DbConn, principal: Reader
) -> SubscriptionOut:
    return service.subscription_out(await service.visible(conn, principal, subscription_id))


@router.patch("/{subscription_id}")
async def change_plan(
    subscription_id: UUID,
    body: SubscriptionChange,
    payments: Payments,
    billing: Billing,
    principal: DriverPrincipal,
) -> SubscriptionOut:
    """Move to another plan (Stripe prorates the fee)."""
    return await lifecycle.change_plan(
        payments.pool, billing, principal, subscription_id, body.plan_id
    )


@router.delete("/{subscription_id}")
async def cancel(
    subscription_id: UUID,
    payments: Payments,
    billing: Billing,
    principal: DriverPrincipal,
    immediately: bool = False,
) -> SubscriptionOut:
    """Cancel at the end of the paid period (default) or at once (`immediately=true`)."""
    return await lifecycle.cancel(
        payments.pool, billing, principal, subscription_id, immediately=immediately
    )
