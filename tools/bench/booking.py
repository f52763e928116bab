"""The booking service's cost, each figure against a plain-SQL baseline in the same run.

In-process against the local PostgreSQL (a fresh database `ladda_bench_booking`), through the
service layer exactly as the REST endpoints call it (rules, read models, the driver lock, the
exclusion constraint, the outbox event), minus HTTP:

- bookings created per second on distinct connectors, `WORKERS` at once, one transaction each,
  against a plain INSERT of the same rows (one transaction each) into a copy of the table
  without its constraint and indexes;
- the same with every booking on one connector (successive windows: all succeed, all contend
  for the same part of the exclusion index);
- availability of 1,000 chargers (2 connectors, 6 bookings each, a maintenance window on every
  tenth) over a day in one map box (query, free-window arithmetic, aligned windows, response
  model and JSON), against a plain SELECT of their bookings over that day;
- the same over HTTP from the booking service's own process, for a viewport of 250 chargers and
  for the 1,000, against a bare HTTP server returning the box's bookings (`booking_map.py`).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
from pydantic import SecretStr

from services.booking.app import MIGRATIONS
from services.booking.availability.repository import Scope
from services.booking.availability.service import view
from services.booking.reservations import service as reservations
from services.booking.reservations.schemas import ReservationCreate
from services.booking.settings import Settings
from services.booking.timeslots import ceil_slot, now
from shared.auth.jwt import Principal
from shared.db import create_pool, migrate
from shared.logging import configure_logging
from tools.bench import Figure, booking_map

DATABASE = "ladda_bench_booking"
WORKERS = int(os.environ.get("LADDA_BENCH_BOOKING_WORKERS", "8"))
BOOKINGS = int(os.environ.get("LADDA_BENCH_BOOKING_COUNT", "2000"))
CHARGERS = 1000
AVAILABILITY_ROUNDS = 15
ROUNDS = 2

_PLAIN_INSERT = """insert into bench_plain (id, kind, user_id, charge_point_id, connector_id,
                                           during, created_by)
                   values ($1, 'booking', $2, $3, $4, tstzrange($5, $6, '[)'), $2)"""
_PLAIN_SELECT = """select charge_point_id, connector_id, lower(during), upper(during)
                     from reservations
                    where charge_point_id = any($1::text[])
                      and status in ('confirmed', 'active', 'fulfilled')
                      and during && tstzrange($2, $3, '[)')"""

Row = tuple[str, str, int, datetime, datetime]


async def _fresh_database() -> str:
    admin = os.environ["LADDA_PG_ADMIN_URL"]
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'drop database if exists "{DATABASE}" with (force)')
        await conn.execute(f'create database "{DATABASE}"')
    finally:
        await conn.close()
    return admin.rsplit("/", 1)[0] + "/" + DATABASE


async def _seed_charge_points(
    pool: asyncpg.Pool, prefix: str, count: int, connectors: int, latitude: float = 59.0
) -> list[str]:
    ids = [f"{prefix}-{i:05d}" for i in range(count)]
    await pool.execute(
        """insert into charge_points (id, ocpp_version, connectors, approval, site_name,
                                      latitude, longitude, online)
           select id, '1.6', $2, 'approved', 'bench', $3 + n * 0.0005, 18.0 + n * 0.0003, true
             from unnest($1::text[]) with ordinality as t(id, n)""",
        ids,
        connectors,
        latitude,
    )
    return ids


async def _concurrently(rows: list[Row], attempt: Callable[[Row], Awaitable[None]]) -> float:
    """Rows per second with WORKERS tasks taking rows from one queue."""
    queue: asyncio.Queue[Row] = asyncio.Queue()
    for row in rows:
        queue.put_nowait(row)

    async def worker() -> None:
        while not queue.empty():
            await attempt(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return len(rows) / (time.perf_counter() - started)


async def _booking_rate(pool: asyncpg.Pool, settings: Settings, rows: list[Row]) -> float:
    async def book(row: Row) -> None:
        user_id, cp_id, connector_id, starts_at, ends_at = row
        principal = Principal(subject=user_id, roles=frozenset({"driver"}))
        async with pool.acquire() as conn, conn.transaction():
            await reservations.create_booking(
                conn,
                principal,
                ReservationCreate(
                    charge_point_id=cp_id,
                    connector_id=connector_id,
                    starts_at=starts_at,
                    ends_at=ends_at,
                ),
                settings,
            )

    return await _concurrently(rows, book)


async def _plain_rate(pool: asyncpg.Pool, rows: list[Row]) -> float:
    async def insert(row: Row) -> None:
        user_id, cp_id, connector_id, starts_at, ends_at = row
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                _PLAIN_INSERT, uuid.uuid4(), user_id, cp_id, connector_id, starts_at, ends_at
            )

    return await _concurrently(rows, insert)


async def _creation(pool: asyncpg.Pool, settings: Settings) -> list[Figure]:
    """Each figure the better of ROUNDS rounds, baseline and booking alternating, fresh rows."""
    await pool.execute("create table bench_plain (like reservations including defaults)")
    best: dict[str, tuple[float, float]] = {}
    for round_ in range(ROUNDS):
        day = ceil_slot(now() + timedelta(days=1 + round_), timedelta(hours=1))
        distinct_ids = await _seed_charge_points(pool, f"BENCH-D{round_}", BOOKINGS // 2, 2)
        distinct = [
            (f"bench-driver-{round_}-{i}", cp_id, connector, day, day + timedelta(hours=1))
            for i, (cp_id, connector) in enumerate(
                (cp_id, connector) for cp_id in distinct_ids for connector in (1, 2)
            )
        ]
        [contended_id] = await _seed_charge_points(pool, f"BENCH-C{round_}", 1, 1)
        contended = [
            (
                f"bench-driver-c{round_}-{i}",
                contended_id,
                1,
                day + i * settings.slot,
                day + (i + 1) * settings.slot,
            )
            for i in range(BOOKINGS)
        ]
        for label, rows in (("distinct connectors", distinct), ("one connector", contended)):
            plain = await _plain_rate(pool, rows)
            booked = await _booking_rate(pool, settings, rows)
            created = await pool.fetchval(
                "select count(*) from reservations where charge_point_id = any($1::text[])",
                list({row[1] for row in rows}),
            )
            if created != len(rows):
                raise RuntimeError(f"{label}: {created} of {len(rows)} bookings were created")
            previous = best.get(label, (0.0, 0.0))
            best[label] = (max(previous[0], booked), max(previous[1], plain))
    return [
        Figure(
            name=f"booking: bookings created/s, {label}",
            value=booked,
            baseline=plain,
            unit="/s",
            baseline_name="plain INSERT of the same rows, one transaction each",
            note=(
                f"{BOOKINGS} bookings, {WORKERS} at once, best of {ROUNDS}, service layer without "
                "HTTP (rules, read models, driver lock, exclusion constraint, outbox event)"
            ),
        )
        for label, (booked, plain) in best.items()
    ]


# The seeded chargers lie on a line: charger n (from 1) at 62.0 + n * 0.0005 N, 18.0 + n * 0.0003 E.
MAP_BOXES = [
    ("a viewport of 250 chargers", (17.9, 61.9, 18.4, 62.0 + 250.5 * 0.0005), 250),
    ("a map box of 1,000 chargers", (17.9, 61.9, 18.4, 62.6), CHARGERS),
]


async def _availability(
    pool: asyncpg.Pool, settings: Settings
) -> tuple[list[Figure], datetime, datetime]:
    ids = await _seed_charge_points(pool, "BENCH-A", CHARGERS, 2, latitude=62.0)
    local = datetime.now(UTC).date() + timedelta(days=2)
    start = datetime(local.year, local.month, local.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    # Six one-hour bookings per connector over the day, staggered.
    await pool.execute(
        """insert into reservations (id, kind, user_id, charge_point_id, connector_id, during,
                                     created_by)
           select gen_random_uuid(), 'booking', 'bench-a', cp, c,
                  tstzrange($2::timestamptz + make_interval(hours => 3 * b + c),
                            $2::timestamptz + make_interval(hours => 3 * b + c + 1), '[)'), 'bench'
             from unnest($1::text[]) as cp, generate_series(1, 2) as c, generate_series(0, 5) as b""",
        ids,
        start,
    )
    await pool.execute(
        """insert into maintenance_windows (id, charge_point_id, during, reason)
           select gen_random_uuid(), cp, tstzrange($2::timestamptz + interval '20 hours',
                                                  $2::timestamptz + interval '21 hours 30 minutes'), 'bench'
             from unnest($1::text[]) with ordinality as t(cp, n) where n % 10 = 0""",
        ids,
        start,
    )
    await pool.execute("analyze")
    box = Scope(min_lat=61.9, min_lon=17.9, max_lat=62.6, max_lon=18.4)
    earliest = ceil_slot(now() + settings.min_lead_time, settings.slot)

    async def service_call() -> int:
        async with pool.acquire() as conn, conn.transaction():
            body = await view(
                conn,
                box,
                start,
                end,
                slot=settings.slot,
                earliest=earliest,
                time_zone=settings.operator_time_zone,
                limit=2000,
            )
        listed = len(json.loads(body)["charge_points"])
        if listed != CHARGERS:
            raise RuntimeError(f"availability listed {listed} of {CHARGERS} chargers")
        return len(body)

    async def plain_select() -> int:
        async with pool.acquire() as conn:
            return len(await conn.fetch(_PLAIN_SELECT, ids, start, end))

    async def timed(call: Callable[[], Awaitable[int]]) -> tuple[float, int]:
        started = time.perf_counter()
        size = await call()
        return (time.perf_counter() - started) * 1000, size

    await service_call()
    await plain_select()  # warm both
    # Alternating, so that other work on the machine weighs on both alike.
    plain_samples, service_samples, rows, size = [], [], 0, 0
    for _ in range(AVAILABILITY_ROUNDS):
        elapsed, rows = await timed(plain_select)
        plain_samples.append(elapsed)
        elapsed, size = await timed(service_call)
        service_samples.append(elapsed)
    plain_ms, service_ms = statistics.median(plain_samples), statistics.median(service_samples)
    figure = [
        Figure(
            name="booking: availability, 1,000 chargers, a day",
            value=service_ms,
            baseline=plain_ms,
            unit="ms",
            baseline_name=f"plain SELECT of their {rows} bookings over the day",
            higher_is_better=False,
            note=(
                f"median of {AVAILABILITY_ROUNDS}, alternating with the baseline; 2,000 connectors, a map box, free windows with "
                f"maintenance and status, aligned, the JSON document ({size / 1024:.0f} KiB)"
            ),
        )
    ]
    return figure, start, end


async def run() -> list[Figure]:
    # One log line per booking would measure the terminal; warnings still show.
    configure_logging("bench-booking", level="WARNING", fmt="json")
    dsn = await _fresh_database()
    settings = Settings(
        database_url=SecretStr(dsn),
        max_active_per_driver=BOOKINGS,
        max_advance=timedelta(days=365),
    )
    pool = await create_pool(dsn, min_size=WORKERS, max_size=WORKERS + 2)
    try:
        await migrate(pool, MIGRATIONS)
        figures = await _creation(pool, settings)
        availability, start, end = await _availability(pool, settings)
        figures += availability
        figures += await booking_map.measure(dsn, MAP_BOXES, start, end)
    finally:
        await pool.close()
    return figures
