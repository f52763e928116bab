"""The driver's payment standing, published on `payment.accounts.v1` after every change.

Identity decides the driver's id-tokens from it: a usable payment method (or an active
subscription) and no overdue invoice. The customer row is locked first, so two changes for one
driver are serialised and the later one is also the later event (identity keeps the newest).
"""

from __future__ import annotations

import structlog

from services.payment.customers import repository
from services.payment.subscriptions import repository as subscriptions
from shared.db import Connection
from shared.events.payment import PaymentAccountChanged
from shared.outbox import enqueue

log = structlog.get_logger(__name__)
SOURCE = "payment"


async def subscription_active(conn: Connection, user_id: str) -> bool:
    return await subscriptions.is_active(conn, user_id)


async def current_standing(conn: Connection, user_id: str) -> PaymentAccountChanged:
    return PaymentAccountChanged(
        user_id=user_id,
        has_payment_method=await repository.has_active_method(conn, user_id),
        subscription_active=await subscription_active(conn, user_id),
        has_overdue_invoice=await repository.has_overdue_invoice(conn, user_id),
    )


async def publish_standing(conn: Connection, user_id: str) -> PaymentAccountChanged:
    await repository.lock_customer(conn, user_id)
    standing = await current_standing(conn, user_id)
    await enqueue(conn, standing, source=SOURCE, subject=user_id, key=user_id)
    log.info(
        "payment.account.changed",
        user_id=user_id,
        has_payment_method=standing.has_payment_method,
        subscription_active=standing.subscription_active,
        has_overdue_invoice=standing.has_overdue_invoice,
    )
    return standing
