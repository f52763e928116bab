"""Every SQL statement of the daily rollups (`connector_days`, `rollup_state`, `rollup_dirty`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.db import Connection

# The figures of a connector-day, in the table's column order after the key.
FIGURES = (
    "sessions",
    "energy_wh",
    "revenue_minor",
    "occupied_us",
    "charging_us",
    "up_us",
    "available_us",
    "known_us",
    "faults",
    "bookings",
    "fulfilled",
    "no_shows",
)


@dataclass(frozen=True)
class Coverage:
    """What the rollups hold: days up to `rolled_through`, cut in `timezone`, except for the
    charge points marked stale from a day on."""

    rolled_through: date | None
    timezone: str | None
    stale_from: dict[str, date]


async def coverage(conn: Connection) -> Coverage:
    state = await conn.fetchrow("select rolled_through, timezone from rollup_state")
    assert state is not None
    stale = await conn.fetch("select charge_point_id, from_day from rollup_dirty")
    return Coverage(
        state["rolled_through"],
        state["timezone"],
        {row["charge_point_id"]: row["from_day"] for row in stale},
    )


async def lock_state(conn: Connection) -> tuple[date | None, str | None]:
    state = await conn.fetchrow("select rolled_through, timezone from rollup_state for update")
    assert state is not None
    return state["rolled_through"], state["timezone"]


async def forget_everything(conn: Connection) -> None:
    await conn.execute("delete from connector_days")


async def mark_every_charge_point(conn: Connection, from_day: date) -> None:
    """Every charge point with a connector is stale from `from_day` on."""
    await conn.execute(
        """insert into rollup_dirty (charge_point_id, from_day)
           select charge_point_id, $1 from (
               select charge_point_id from charge_points
               union select charge_point_id from connector_status where connector_id > 0
               union select charge_point_id from sessions) known
            order by 1
           on conflict (charge_point_id) do update
              set from_day = least(rollup_dirty.from_day, excluded.from_day)""",
        from_day,
    )


async def set_state(conn: Connection, rolled_through: date, timezone: str) -> None:
    await conn.execute(
        "update rollup_state set rolled_through = $1, timezone = $2", rolled_through, timezone
    )


async def claim_stale(conn: Connection, limit: int) -> dict[str, date]:
    """Stale charge points (from which day), locked until the caller's transaction ends
    (replicas skip them)."""
    rows = await conn.fetch(
        """select charge_point_id, from_day from rollup_dirty
            order by from_day, charge_point_id limit $1 for update skip locked""",
        limit,
    )
    return {row["charge_point_id"]: row["from_day"] for row in rows}


async def clear_stale(conn: Connection, charge_point_ids: Sequence[str]) -> None:
    await conn.execute(
        "delete from rollup_dirty where charge_point_id = any($1::text[])", list(charge_point_ids)
    )


async def first_fact_days(
    conn: Connection, charge_point_ids: Sequence[str], timezone: str
) -> dict[str, date]:
    """The local day of each charge point's earliest fact (nothing is known before it); charge
    points without any fact are left out."""
    rows = await conn.fetch(
        """select cp, (least((select min(at) from charger_links where charge_point_id = cp),
                             (select min(at) from connector_status where charge_point_id = cp),
                             (select min(started_at) from sessions where charge_point_id = cp),
                             (select min(starts_at) from reservation_events
                               where charge_point_id = cp)) at time zone $2)::date as day
             from unnest($1::text[]) cp""",
        list(charge_point_ids),
        timezone,
    )
    return {row["cp"]: row["day"] for row in rows if row["day"] is not None}


async def replace_days(
    conn: Connection, ranges: dict[str, tuple[date, date]], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Each charge point's days `first`..`last` of `ranges` become exactly its `rows`
    (charge point, connector, day, figures...)."""
    ordered = sorted(ranges.items())
    await conn.execute(
        """delete from connector_days d
            using unnest($1::text[], $2::date[], $3::date[]) r(charge_point_id, first, last)
            where d.charge_point_id = r.charge_point_id and d.day >= r.first
              and d.day <= r.last""",
        [cp for cp, _ in ordered],
        [first for _, (first, _) in ordered],
        [last for _, (_, last) in ordered],
    )
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    await conn.execute(
        f"""insert into connector_days (charge_point_id, connector_id, day, {", ".join(FIGURES)})
            select * from unnest($1::text[], $2::int[], $3::date[], $4::int[], $5::bigint[],
                                 $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
                                 $10::bigint[], $11::bigint[], $12::int[], $13::int[],
                                 $14::int[], $15::int[])""",  # noqa: S608
        *[list(column) for column in columns],
    )


async def sums_per_charge_point(conn: Connection, first: date, last: date) -> list[dict[str, Any]]:
    """Every figure summed over the days `first`..`last`, per charge point."""
    sums = ", ".join(f"sum({name})::bigint as {name}" for name in FIGURES)
    rows = await conn.fetch(
        f"""select charge_point_id, {sums} from connector_days
             where day >= $1 and day <= $2 group by charge_point_id""",  # noqa: S608
        first,
        last,
    )
    return [dict(row) for row in rows]
