"""Every SQL statement of customers, payment methods and the payment standing."""

from __future__ import annotations

import asyncpg

from services.payment.stripe_objects import PaymentMethodInfo
from shared.db import Connection

_METHOD_COLUMNS = "id, user_id, type, brand, last4, exp_month, exp_year, wallet, status, created_at"


async def lock_customer(conn: Connection, user_id: str) -> asyncpg.Record:
    """The driver's customer row, created if missing, locked for this transaction."""
    await conn.execute(
        "insert into customers (user_id) values ($1) on conflict (user_id) do nothing", user_id
    )
    row = await conn.fetchrow(
        "select user_id, stripe_customer_id, default_payment_method_id, lost_stripe_customer_id "
        "from customers where user_id = $1 for update",
        user_id,
    )
    assert row is not None
    return row


async def get_customer(conn: Connection, user_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select user_id, stripe_customer_id, default_payment_method_id from customers "
        "where user_id = $1",
        user_id,
    )


async def user_of_stripe_customer(conn: Connection, stripe_customer_id: str) -> str | None:
    value = await conn.fetchval(
        "select user_id from customers where stripe_customer_id = $1", stripe_customer_id
    )
    return str(value) if value is not None else None


async def set_stripe_customer(conn: Connection, user_id: str, stripe_customer_id: str) -> None:
    await conn.execute(
        "update customers set stripe_customer_id = $2, updated_at = now() where user_id = $1",
        user_id,
        stripe_customer_id,
    )


async def forget_stripe_customer(conn: Connection, user_id: str, lost_customer_id: str) -> None:
    await conn.execute(
        "update customers set stripe_customer_id = null, lost_stripe_customer_id = $2, "
        "default_payment_method_id = null, updated_at = now() where user_id = $1",
        user_id,
        lost_customer_id,
    )


async def set_default(conn: Connection, user_id: str, payment_method_id: str | None) -> None:
    await conn.execute(
        "update customers set default_payment_method_id = $2, updated_at = now() "
        "where user_id = $1",
        user_id,
        payment_method_id,
    )


async def upsert_method(
    conn: Connection, user_id: str, method: PaymentMethodInfo
) -> asyncpg.Record:
    """Record a saved method; details arriving later (a webhook) fill in what was missing."""
    row = await conn.fetchrow(
        f"""insert into payment_methods
               (id, user_id, type, brand, last4, exp_month, exp_year, wallet)
            values ($1, $2, $3, $4, $5, $6, $7, $8)
            on conflict (id) do update set
               brand = coalesce(excluded.brand, payment_methods.brand),
               last4 = coalesce(excluded.last4, payment_methods.last4),
               exp_month = coalesce(excluded.exp_month, payment_methods.exp_month),
               exp_year = coalesce(excluded.exp_year, payment_methods.exp_year),
               wallet = coalesce(excluded.wallet, payment_methods.wallet)
            where payment_methods.user_id = excluded.user_id
            returning {_METHOD_COLUMNS}""",  # noqa: S608
        method.id,
        user_id,
        method.type,
        method.brand,
        method.last4,
        method.exp_month,
        method.exp_year,
        method.wallet,
    )
    assert row is not None
    return row


async def active_methods(conn: Connection, user_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {_METHOD_COLUMNS} from payment_methods
             where user_id = $1 and status = 'active' order by created_at desc, id""",  # noqa: S608
        user_id,
    )


async def active_method(conn: Connection, user_id: str, method_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""select {_METHOD_COLUMNS} from payment_methods
             where id = $1 and user_id = $2 and status = 'active'""",  # noqa: S608
        method_id,
        user_id,
    )


async def owner_of_method(conn: Connection, method_id: str) -> str | None:
    value = await conn.fetchval("select user_id from payment_methods where id = $1", method_id)
    return str(value) if value is not None else None


async def remove_method(conn: Connection, method_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "update payment_methods set status = 'removed', removed_at = now() "
            "where id = $1 and status = 'active' returning true",
            method_id,
        )
    )


async def has_active_method(conn: Connection, user_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "select exists (select 1 from payment_methods where user_id = $1 and status = 'active')",
            user_id,
        )
    )


async def has_overdue_invoice(conn: Connection, user_id: str) -> bool:
    """An open invoice whose off-session charge failed at least once: the driver owes it."""
    return bool(
        await conn.fetchval(
            "select exists (select 1 from invoices where user_id = $1 and status = 'open' "
            "and failed_attempts > 0)",
            user_id,
        )
    )
