"""Every SQL statement of reservations (bookings and blocks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

COLUMNS = """id, ocpp_reservation_id, kind, user_id, id_tag, charge_point_id, connector_id,
             lower(during) as starts_at, upper(during) as ends_at, status, charger_hold,
             charger_detail, reserve_command_id, cancel_command_id, session_id, cancel_reason,
             cancelled_late, alternative, note, created_by, created_at, updated_at"""
HOLDING = "('confirmed', 'active', 'fulfilled')"
OPEN = "('confirmed', 'active')"


class Overlap(Exception):
    """The exclusion constraint refused the window: another reservation holds the connector."""


async def lock_driver(conn: Connection, user_id: str) -> None:
    """Serialise one driver's concurrent bookings so the active-bookings limit holds."""
    await conn.execute("select pg_advisory_xact_lock(7410100, hashtext($1))", user_id)


async def count_open_of(conn: Connection, user_id: str) -> int:
    return int(
        await conn.fetchval(
            f"select count(*) from reservations where user_id = $1 and kind = 'booking' "  # noqa: S608
            f"and status in {OPEN}",
            user_id,
        )
    )


async def insert(
    conn: Connection,
    *,
    reservation_id: UUID,
    kind: str,
    user_id: str | None,
    id_tag: str | None,
    charge_point_id: str,
    connector_id: int,
    starts_at: datetime,
    ends_at: datetime,
    note: str | None,
    created_by: str,
) -> asyncpg.Record:
    """Insert in a savepoint; raises `Overlap` when the exclusion constraint refuses it.

    Concurrent inserters of overlapping windows wait for each other; two that each wait for the
    other are a deadlock PostgreSQL breaks by aborting one: that one tries again and then meets
    the winner's committed row.
    """
    for _attempt in range(5):
        try:
            async with conn.transaction():
                row = await conn.fetchrow(
                    f"""insert into reservations
                           (id, kind, user_id, id_tag, charge_point_id, connector_id, during,
                            note, created_by)
                        values ($1, $2, $3, $4, $5, $6, tstzrange($7, $8, '[)'), $9, $10)
                        returning {COLUMNS}""",  # noqa: S608
                    reservation_id,
                    kind,
                    user_id,
                    id_tag,
                    charge_point_id,
                    connector_id,
                    starts_at,
                    ends_at,
                    note,
                    created_by,
                )
                assert row is not None
                return row
        except asyncpg.ExclusionViolationError:
            raise Overlap from None
        except asyncpg.DeadlockDetectedError:
            continue
    raise Overlap


async def conflicting_window(
    conn: Connection,
    charge_point_id: str,
    connector_id: int,
    starts_at: datetime,
    ends_at: datetime,
) -> asyncpg.Record | None:
    """The earliest holding window overlapping this one (its times only, never its owner)."""
    return await conn.fetchrow(
        f"""select lower(during) as starts_at, upper(during) as ends_at from reservations
             where charge_point_id = $1 and connector_id = $2 and status in {HOLDING}
               and during && tstzrange($3, $4, '[)')
             order by lower(during) limit 1""",  # noqa: S608
        charge_point_id,
        connector_id,
        starts_at,
        ends_at,
    )


async def get(
    conn: Connection, reservation_id: UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(
        f"select {COLUMNS} from reservations where id = $1{lock}",  # noqa: S608
        reservation_id,
    )


async def list_(
    conn: Connection,
    *,
    user_id: str | None,
    charge_point_id: str | None,
    status: str | None,
    kind: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {COLUMNS} from reservations
             where ($1::text is null or user_id = $1)
               and ($2::text is null or charge_point_id = $2)
               and ($3::text is null or status = $3)
               and ($4::text is null or kind = $4)
               and ($5::timestamptz is null or lower(during) >= $5)
               and ($6::timestamptz is null or lower(during) < $6)
             order by lower(during) desc, id limit $7 offset $8""",  # noqa: S608
        user_id,
        charge_point_id,
        status,
        kind,
        starts_from,
        starts_before,
        limit,
        offset,
    )


async def cancel(
    conn: Connection,
    reservation_id: UUID,
    *,
    reason: str,
    late: bool,
    alternative: dict[str, Any] | None = None,
) -> asyncpg.Record | None:
    """Cancel an open reservation; None when it is no longer open."""
    return await conn.fetchrow(
        f"""update reservations set status = 'cancelled', cancel_reason = $2, cancelled_late = $3,
                   alternative = $4, updated_at = now()
             where id = $1 and status in {OPEN}
         returning {COLUMNS}""",  # noqa: S608
        reservation_id,
        reason,
        late,
        alternative,
    )


async def set_status(
    conn: Connection,
    reservation_id: UUID,
    status: str,
    *,
    from_statuses: tuple[str, ...],
    session_id: str | None = None,
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""update reservations set status = $2, session_id = coalesce($4, session_id),
                   updated_at = now()
             where id = $1 and status = any($3::text[])
         returning {COLUMNS}""",  # noqa: S608
        reservation_id,
        status,
        list(from_statuses),
        session_id,
    )


async def set_charger_hold(
    conn: Connection,
    reservation_id: UUID,
    hold: str,
    detail: str | None,
    *,
    reserve_command_id: UUID | None = None,
    cancel_command_id: UUID | None = None,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"""update reservations set charger_hold = $2, charger_detail = $3,
                   reserve_command_id = coalesce($4, reserve_command_id),
                   cancel_command_id = coalesce($5, cancel_command_id), updated_at = now()
             where id = $1
         returning {COLUMNS}""",  # noqa: S608
        reservation_id,
        hold,
        detail,
        reserve_command_id,
        cancel_command_id,
    )
    assert row is not None
    return row


async def by_command(conn: Connection, command_id: UUID) -> tuple[asyncpg.Record | None, str]:
    """The reservation a ReserveNow or CancelReservation belongs to, and which of the two."""
    row = await conn.fetchrow(
        f"""select {COLUMNS}, case when reserve_command_id = $1 then 'reserve' else 'cancel' end
                   as command_kind
              from reservations where reserve_command_id = $1 or cancel_command_id = $1
             for update""",  # noqa: S608
        command_id,
    )
    return row, (row["command_kind"] if row is not None else "")


async def open_bookings_overlapping(
    conn: Connection,
    charge_point_id: str,
    connector_id: int | None,
    starts_at: datetime,
    ends_at: datetime | None,
    *,
    min_connector: int = 1,
) -> list[asyncpg.Record]:
    """Drivers' open bookings on a connector (None: every connector from `min_connector` on)
    whose window overlaps [starts_at, ends_at), locked, earliest first."""
    return await conn.fetch(
        f"""select {COLUMNS} from reservations
             where charge_point_id = $1 and ($2::int is null or connector_id = $2)
               and connector_id >= $5 and kind = 'booking' and status in {OPEN}
               and during && tstzrange($3, $4, '[)')
             order by lower(during), id
             for update""",  # noqa: S608
        charge_point_id,
        connector_id,
        starts_at,
        ends_at,
        min_connector,
    )


async def set_alternative(
    conn: Connection, reservation_id: UUID, alternative: dict[str, Any]
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"update reservations set alternative = $2 where id = $1 returning {COLUMNS}",  # noqa: S608
        reservation_id,
        alternative,
    )
    assert row is not None
    return row


async def retry_at_charger(conn: Connection, charge_point_id: str) -> int:
    """The charger is back: its open bookings whose ReserveNow found it offline (or failed) are
    due again; the lifecycle sends a new ReserveNow on its next tick."""
    updated = await conn.fetch(
        f"""update reservations
               set charger_hold = 'not_sent',
                   charger_detail = 'The charger reconnected; ReserveNow is sent again.',
                   updated_at = now()
             where charge_point_id = $1 and kind = 'booking' and status in {OPEN}
               and charger_hold in ('offline', 'failed') and upper(during) > now()
         returning id""",  # noqa: S608
        charge_point_id,
    )
    return len(updated)
