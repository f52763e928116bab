"""Every SQL statement of holds and of the chargers payment knows (registry read model)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

COLUMNS = """id, kind, user_id, charge_point_id, connector_id, id_token, amount_minor, currency,
             stripe_payment_intent_id, client_secret, status, start_command_id, start_deadline,
             session_id, transaction_id, session_started_at, energy_wh, power_w,
             stop_requested_at, invoice_id, capture_minor, captured_minor,
             cancel_reason, released, created_at, updated_at"""


async def upsert_charge_point(
    conn: Connection, cp_id: str, ocpp_version: str, connectors: int, approval: str
) -> None:
    await conn.execute(
        """insert into charge_points (id, ocpp_version, connectors, approval)
           values ($1, $2, $3, $4)
           on conflict (id) do update set ocpp_version = excluded.ocpp_version,
               connectors = excluded.connectors, approval = excluded.approval, updated_at = now()""",
        cp_id,
        ocpp_version,
        connectors,
        approval,
    )


async def charge_point(conn: Connection, cp_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select id, ocpp_version, connectors, approval from charge_points where id = $1", cp_id
    )


async def insert(conn: Connection, values: dict[str, Any]) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""insert into holds (id, kind, user_id, charge_point_id, connector_id, id_token,
                               amount_minor, currency, status)
            values ($1, $2, $3, $4, $5, $6, $7, $8, 'awaiting_payment')
            returning {COLUMNS}""",  # noqa: S608
        values["id"],
        values["kind"],
        values["user_id"],
        values["charge_point_id"],
        values["connector_id"],
        values["id_token"],
        values["amount_minor"],
        values["currency"],
    )
    assert row is not None
    return row


async def get(
    conn: Connection, hold_id: UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(f"select {COLUMNS} from holds where id = $1{lock}", hold_id)  # noqa: S608


async def by_field(
    conn: Connection, field: str, value: Any, *, for_update: bool = True
) -> asyncpg.Record | None:
    assert field in {"id_token", "stripe_payment_intent_id", "start_command_id", "session_id"}
    lock = " for update" if for_update else ""
    return await conn.fetchrow(
        f"select {COLUMNS} from holds where {field} = $1{lock}",  # noqa: S608
        value,
    )


async def list_for_user(
    conn: Connection, user_id: str, kinds: tuple[str, ...], limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {COLUMNS} from holds where user_id = $1 and kind = any($2::text[])
             order by created_at desc limit $3""",  # noqa: S608
        user_id,
        list(kinds),
        limit,
    )


async def update(conn: Connection, hold_id: UUID, **values: Any) -> asyncpg.Record:
    allowed = {
        "stripe_payment_intent_id",
        "client_secret",
        "status",
        "start_command_id",
        "start_deadline",
        "session_id",
        "transaction_id",
        "session_started_at",
        "energy_wh",
        "power_w",
        "stop_requested_at",
        "invoice_id",
        "capture_minor",
        "captured_minor",
        "cancel_reason",
        "released",
    }
    assert values and set(values) <= allowed
    names = list(values)
    assignments = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(names))
    row = await conn.fetchrow(
        f"update holds set {assignments}, updated_at = now() where id = $1 returning {COLUMNS}",  # noqa: S608
        hold_id,
        *(values[name] for name in names),
    )
    assert row is not None
    return row


async def due(conn: Connection, payment_timeout_s: float, limit: int) -> list[asyncpg.Record]:
    """Holds the worker must act on: unconfirmed too long, not started in time, to capture or
    to release."""
    return await conn.fetch(
        f"""select {COLUMNS} from holds
             where (status = 'awaiting_payment'
                    and created_at < now() - make_interval(secs => $1))
                or (status in ('authorized', 'starting') and start_deadline < now())
                or status = 'settling'
                or (status = 'canceled' and not released and stripe_payment_intent_id is not null)
             order by updated_at limit $2""",  # noqa: S608
        payment_timeout_s,
        limit,
    )
