"""The SQL of reading starts with the saved card (rows of `holds` of kind card) with the state
of their invoice; every write goes through the holds repository."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.payment.holds.repository import COLUMNS
from shared.db import Connection

# The invoice's state, so the app can tell "billing your card" from "paid".
WITH_INVOICE = f"""select {COLUMNS},
                          (select i.status from invoices i where i.id = holds.invoice_id)
                              as invoice_status
                     from holds"""  # noqa: S608


async def get(conn: Connection, start_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"{WITH_INVOICE} where id = $1 and kind = 'card'", start_id)


async def list_for_user(conn: Connection, user_id: str, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"{WITH_INVOICE} where user_id = $1 and kind = 'card' order by created_at desc limit $2",
        user_id,
        limit,
    )
