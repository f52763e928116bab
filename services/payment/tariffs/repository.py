"""Every SQL statement of tariffs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

_COLUMNS = """id, name, currency, vat_rate_bp, time_zone, charge_point_ids, connector_ids,
              elements, valid_from, valid_to, created_at"""


async def insert(conn: Connection, values: dict[str, Any]) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""insert into tariffs (name, currency, vat_rate_bp, time_zone, charge_point_ids,
                                 connector_ids, elements, valid_from, valid_to, created_by)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            returning {_COLUMNS}""",  # noqa: S608
        values["name"],
        values["currency"],
        values["vat_rate_bp"],
        values["time_zone"],
        values["charge_point_ids"],
        values["connector_ids"],
        json.loads(json.dumps(values["elements"])),
        values["valid_from"],
        values["valid_to"],
        values["created_by"],
    )
    assert row is not None
    return row


async def get(conn: Connection, tariff_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"select {_COLUMNS} from tariffs where id = $1", tariff_id)  # noqa: S608


async def list_all(
    conn: Connection,
    *,
    charge_point_id: str | None,
    active_at: datetime | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {_COLUMNS} from tariffs
             where ($1::text is null or cardinality(charge_point_ids) = 0
                    or $1 = any(charge_point_ids))
               and ($2::timestamptz is null
                    or (valid_from <= $2 and (valid_to is null or valid_to > $2)))
             order by valid_from desc, created_at desc
             limit $3 offset $4""",  # noqa: S608
        charge_point_id,
        active_at,
        limit,
        offset,
    )


async def in_force(
    conn: Connection, charge_point_id: str, connector_id: int, at: datetime
) -> asyncpg.Record | None:
    """The tariff for a connector at an instant: the most specific scope wins (charge point over
    network default, connector over all connectors), then the latest valid_from."""
    return await conn.fetchrow(
        f"""select {_COLUMNS} from tariffs
             where valid_from <= $3 and (valid_to is null or valid_to > $3)
               and (cardinality(charge_point_ids) = 0 or $1 = any(charge_point_ids))
               and (cardinality(connector_ids) = 0 or $2 = any(connector_ids))
             order by cardinality(charge_point_ids) > 0 desc,
                      cardinality(connector_ids) > 0 desc,
                      valid_from desc, created_at desc
             limit 1""",  # noqa: S608
        charge_point_id,
        connector_id,
        at,
    )


async def update(
    conn: Connection, tariff_id: UUID, changes: dict[str, Any]
) -> asyncpg.Record | None:
    allowed = [name for name in ("name", "valid_to") if name in changes]
    if not allowed:
        return await get(conn, tariff_id)
    assignments = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(allowed))
    return await conn.fetchrow(
        f"update tariffs set {assignments}, updated_at = now() where id = $1 "  # noqa: S608
        f"returning {_COLUMNS}",
        tariff_id,
        *[changes[name] for name in allowed],
    )
