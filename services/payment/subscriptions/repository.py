"""Every SQL statement of plans, subscriptions and allowance usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

PLAN = """id, name, kind, monthly_fee_minor, currency, allowance_wh, charge_point_ids,
          stripe_product_id, stripe_plan_id, active, created_at"""
SUBSCRIPTION = """id, user_id, plan_id, stripe_subscription_id, stripe_item_id, status,
                  cancel_at_period_end, current_period_start, current_period_end, state_at,
                  created_at, canceled_at"""
LIVE = "status not in ('canceled', 'incomplete_expired', 'failed')"


async def insert_plan(conn: Connection, values: dict[str, Any]) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""insert into plans (id, name, kind, monthly_fee_minor, currency, allowance_wh,
                               charge_point_ids, stripe_product_id, stripe_plan_id, created_by)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning {PLAN}""",  # noqa: S608
        values["id"],
        values["name"],
        values["kind"],
        values["monthly_fee_minor"],
        values["currency"],
        values["allowance_wh"],
        values["charge_point_ids"],
        values["stripe_product_id"],
        values["stripe_plan_id"],
        values["created_by"],
    )
    assert row is not None
    return row


async def get_plan(conn: Connection, plan_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"select {PLAN} from plans where id = $1", plan_id)  # noqa: S608


async def list_plans(conn: Connection, *, active_only: bool) -> list[asyncpg.Record]:
    where = "where active" if active_only else ""
    return await conn.fetch(f"select {PLAN} from plans {where} order by created_at")  # noqa: S608


async def update_plan(conn: Connection, plan_id: UUID, **values: Any) -> asyncpg.Record | None:
    assert values and set(values) <= {"name", "active"}
    names = list(values)
    assignments = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(names))
    return await conn.fetchrow(
        f"update plans set {assignments}, updated_at = now() where id = $1 returning {PLAN}",  # noqa: S608
        plan_id,
        *(values[name] for name in names),
    )


async def insert_subscription(
    conn: Connection, subscription_id: UUID, user_id: str, plan_id: UUID
) -> asyncpg.Record | None:
    """None when the driver already has a live subscription (the unique index decides)."""
    return await conn.fetchrow(
        f"""insert into subscriptions (id, user_id, plan_id, status)
            values ($1, $2, $3, 'creating')
            on conflict do nothing returning {SUBSCRIPTION}""",  # noqa: S608
        subscription_id,
        user_id,
        plan_id,
    )


async def get_subscription(
    conn: Connection, subscription_id: UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(
        f"select {SUBSCRIPTION} from subscriptions where id = $1{lock}",  # noqa: S608
        subscription_id,
    )


async def by_stripe_id(conn: Connection, stripe_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {SUBSCRIPTION} from subscriptions where stripe_subscription_id = $1 for update",  # noqa: S608
        stripe_id,
    )


async def list_subscriptions(
    conn: Connection, *, user_id: str | None, limit: int, offset: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {SUBSCRIPTION} from subscriptions
             where ($1::text is null or user_id = $1)
             order by created_at desc limit $2 offset $3""",  # noqa: S608
        user_id,
        limit,
        offset,
    )


async def update_subscription(
    conn: Connection, subscription_id: UUID, **values: Any
) -> asyncpg.Record:
    allowed = {
        "stripe_subscription_id",
        "stripe_item_id",
        "plan_id",
        "status",
        "cancel_at_period_end",
        "current_period_start",
        "current_period_end",
        "state_at",
        "canceled_at",
    }
    assert values and set(values) <= allowed
    names = list(values)
    assignments = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(names))
    row = await conn.fetchrow(
        f"""update subscriptions set {assignments}, updated_at = now()
             where id = $1 returning {SUBSCRIPTION}""",  # noqa: S608
        subscription_id,
        *(values[name] for name in names),
    )
    assert row is not None
    return row


async def is_active(conn: Connection, user_id: str) -> bool:
    return bool(
        await conn.fetchval(
            """select exists (select 1 from subscriptions
                               where user_id = $1 and status in ('active', 'trialing'))""",
            user_id,
        )
    )


async def covering(conn: Connection, user_id: str, cp_id: str) -> asyncpg.Record | None:
    """The driver's active subscription and its plan, if the plan applies at this charger."""
    return await conn.fetchrow(
        """select s.id, s.current_period_start, s.current_period_end, p.name, p.kind,
                  p.allowance_wh
             from subscriptions s join plans p on p.id = s.plan_id
            where s.user_id = $1 and s.status in ('active', 'trialing')
              and (cardinality(p.charge_point_ids) = 0 or $2 = any (p.charge_point_ids))
            limit 1""",
        user_id,
        cp_id,
    )


async def used_wh(
    conn: Connection, subscription_id: UUID, period_start: datetime, except_session: str
) -> int:
    value = await conn.fetchval(
        """select coalesce(sum(covered_wh), 0) from subscription_usage
            where subscription_id = $1 and period_start = $2 and session_id <> $3""",
        subscription_id,
        period_start,
        except_session,
    )
    return int(value)


async def record_usage(
    conn: Connection, session_id: str, subscription_id: UUID, period_start: datetime, wh: int
) -> None:
    await conn.execute(
        """insert into subscription_usage (session_id, subscription_id, period_start, covered_wh)
           values ($1, $2, $3, $4) on conflict (session_id) do nothing""",
        session_id,
        subscription_id,
        period_start,
        wh,
    )


async def plan_by_stripe_id(conn: Connection, stripe_plan_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"select {PLAN} from plans where stripe_plan_id = $1",  # noqa: S608
        stripe_plan_id,
    )
