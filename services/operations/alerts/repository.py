"""Every SQL statement of alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection

COLUMNS = """id, condition_key, kind, severity, status, title, charge_point_id, connector_id,
             site, details, auto_resolve, occurrences, opened_at, last_seen_at, clear_since,
             acknowledged_by, acknowledged_at, acknowledge_note, resolved_by, resolved_at,
             resolve_note, resolved_automatically"""


async def raise_condition(
    conn: Connection,
    *,
    alert_id: UUID,
    condition_key: str,
    kind: str,
    severity: str,
    title: str,
    charge_point_id: str | None,
    connector_id: int | None,
    site: str | None,
    details: dict[str, Any],
    auto_resolve: bool,
    at: datetime,
) -> tuple[asyncpg.Record, bool]:
    """Open the condition's alert, or count another occurrence of the unresolved one.

    Returns the alert and whether it was opened now. The partial unique index decides, so two
    replicas raising the same condition at once still leave one alert.
    """
    row = await conn.fetchrow(
        f"""insert into alerts (id, condition_key, kind, severity, title, charge_point_id,
                                connector_id, site, details, auto_resolve, opened_at, last_seen_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
            on conflict (condition_key) where status <> 'resolved' do update set
                occurrences = alerts.occurrences + 1,
                last_seen_at = greatest(alerts.last_seen_at, excluded.last_seen_at),
                details = alerts.details || excluded.details,
                clear_since = null
            returning {COLUMNS}, (xmax = 0) as inserted""",  # noqa: S608
        alert_id,
        condition_key,
        kind,
        severity,
        title,
        charge_point_id,
        connector_id,
        site,
        details,
        auto_resolve,
        at,
    )
    assert row is not None
    return row, bool(row["inserted"])


async def start_clearing(conn: Connection, condition_key: str, at: datetime) -> bool:
    """The condition cleared: start the hold-down of its auto-resolving alert (if any)."""
    status = await conn.execute(
        """update alerts set clear_since = $2
            where condition_key = $1 and status <> 'resolved' and auto_resolve
              and clear_since is null""",
        condition_key,
        at,
    )
    return status != "UPDATE 0"


async def recur(conn: Connection, condition_key: str, at: datetime) -> bool:
    """The condition came back during the hold-down: the alert stays open, one more occurrence."""
    status = await conn.execute(
        """update alerts set clear_since = null, occurrences = occurrences + 1,
                  last_seen_at = greatest(last_seen_at, $2)
            where condition_key = $1 and status <> 'resolved' and clear_since is not null""",
        condition_key,
        at,
    )
    return status != "UPDATE 0"


async def resolve_held_down(conn: Connection, cleared_before: datetime) -> list[asyncpg.Record]:
    """Resolve alerts whose condition has stayed clear past the hold-down.

    `skip locked`: several replicas may run this job; each row is resolved by one of them.
    """
    return await conn.fetch(
        f"""with due as (
                select id from alerts
                 where status <> 'resolved' and clear_since is not null and clear_since <= $1
                 for update skip locked)
            update alerts a set status = 'resolved', resolved_at = now(),
                   resolved_automatically = true
              from due where a.id = due.id
            returning {", ".join("a." + c.strip() for c in COLUMNS.split(","))}""",  # noqa: S608
        cleared_before,
    )


async def resolve_condition_now(conn: Connection, condition_key: str) -> asyncpg.Record | None:
    """Resolve a condition's alert at once (no flapping possible, e.g. an inspection done)."""
    return await conn.fetchrow(
        f"""update alerts set status = 'resolved', resolved_at = now(),
                   resolved_automatically = true
             where condition_key = $1 and status <> 'resolved'
            returning {COLUMNS}""",  # noqa: S608
        condition_key,
    )


async def get(
    conn: Connection, alert_id: UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " for update" if for_update else ""
    return await conn.fetchrow(f"select {COLUMNS} from alerts where id = $1{lock}", alert_id)  # noqa: S608


async def acknowledge(
    conn: Connection, alert_id: UUID, by: str, note: str | None
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""update alerts set status = 'acknowledged', acknowledged_by = $2,
                   acknowledged_at = now(), acknowledge_note = $3
             where id = $1 and status = 'open'
            returning {COLUMNS}""",  # noqa: S608
        alert_id,
        by,
        note,
    )


async def resolve(
    conn: Connection, alert_id: UUID, by: str, note: str | None
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""update alerts set status = 'resolved', resolved_by = $2, resolved_at = now(),
                   resolve_note = $3
             where id = $1 and status <> 'resolved'
            returning {COLUMNS}""",  # noqa: S608
        alert_id,
        by,
        note,
    )


async def search(
    conn: Connection,
    *,
    statuses: list[str] | None,
    severity: str | None,
    kind: str | None,
    charge_point_id: str | None,
    site: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select {COLUMNS} from alerts
             where ($1::text[] is null or status = any($1))
               and ($2::text is null or severity = $2)
               and ($3::text is null or kind = $3)
               and ($4::text is null or charge_point_id = $4)
               and ($5::text is null or site = $5)
             order by opened_at desc, id
             limit $6 offset $7""",  # noqa: S608
        statuses,
        severity,
        kind,
        charge_point_id,
        site,
        limit,
        offset,
    )


# -- failed logins ------------------------------------------------------------------------------


async def record_login_failure(
    conn: Connection, cp_id: str, kind: str, at: datetime, attempts: int
) -> None:
    await conn.execute(
        "insert into login_failures (charge_point_id, kind, at, attempts) values ($1, $2, $3, $4)",
        cp_id,
        kind,
        at,
        attempts,
    )


async def count_login_failures(conn: Connection, cp_id: str, since: datetime) -> int:
    count = await conn.fetchval(
        """select coalesce(sum(attempts), 0) from login_failures
            where charge_point_id = $1 and at >= $2""",
        cp_id,
        since,
    )
    return int(count)


async def purge_login_failures(conn: Connection, before: datetime) -> None:
    await conn.execute("delete from login_failures where at < $1", before)


async def record_safety_report(
    conn: Connection, ticket_id: str, charge_point_id: str | None, reported_at: datetime
) -> bool:
    """Remember a safety ticket; False when it was seen before (also under another event id)."""
    status = await conn.execute(
        """insert into safety_reports (ticket_id, charge_point_id, reported_at)
           values ($1, $2, $3) on conflict (ticket_id) do nothing""",
        ticket_id,
        charge_point_id,
        reported_at,
    )
    return status == "INSERT 0 1"
