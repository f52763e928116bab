"""Analytics: ingest rate and query latency, each against a plain-SQL baseline in the same run.

Ingest: `EVENTS` events (4 status changes per finished session, as a busy network sends) are
published to topics of the run's own; one `BatchConsumer` (what one analytics process runs)
reads them from offset 0 into an empty database: events per second until the inbox holds them
all. Baseline: the same rows (read-model rows plus inbox ids) written with a plain `COPY` into
the same tables, emptied first, in one transaction.

Queries: a generated year of data for `CHARGE_POINTS` charge points (2 connectors; per day one
session per charge point and 4 status changes), and the figures an operator asks for over the
whole year (the service layer, as the endpoints call it, without HTTP), each against a plain
`SELECT ... GROUP BY` over the raw rows giving the comparable counts and sums.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from services.analytics.ingest.batch import BatchConsumer
from services.analytics.settings import Settings
from services.analytics.stats import operators, ranking, rollups
from shared.db import create_pool, migrate
from shared.events.chargepoints import ConnectorStatusChanged
from shared.events.charging import SessionStopped
from shared.events.envelope import Envelope
from shared.kafka import create_producer
from tools.bench import Figure

EVENTS = int(os.environ.get("LADDA_BENCH_ANALYTICS_EVENTS", "20000"))
CHARGE_POINTS = int(os.environ.get("LADDA_BENCH_ANALYTICS_CHARGE_POINTS", "1000"))
DAYS = 365
# Dropped and created by each run: two checkouts benching at once need different names.
DATABASE = os.environ.get("LADDA_BENCH_ANALYTICS_DATABASE", "ladda_bench_analytics")
MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "analytics" / "migrations"
YEAR_START = date(2025, 1, 1)
# Generating a year of rows is not bound by the pool's 30 s command timeout.
GENERATE_TIMEOUT_S = 1800.0


async def _fresh_pool() -> asyncpg.Pool:
    admin = os.environ["LADDA_PG_ADMIN_URL"]
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'drop database if exists "{DATABASE}" with (force)')
        await conn.execute(f'create database "{DATABASE}"')
    finally:
        await conn.close()
    # The year-long figures computed at request time may run past the services' 30 s limit.
    pool = await create_pool(
        admin.rsplit("/", 1)[0] + "/" + DATABASE, max_size=4, command_timeout=GENERATE_TIMEOUT_S
    )
    await migrate(pool, MIGRATIONS)
    return pool


@contextlib.asynccontextmanager
async def _topics() -> AsyncIterator[list[str]]:
    names = [f"bench.analytics.{kind}-{uuid.uuid4().hex[:8]}" for kind in ("sessions", "status")]
    admin = AIOKafkaAdminClient(bootstrap_servers=os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"])
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(n, num_partitions=6, replication_factor=1) for n in names]
        )
        yield names
        await admin.delete_topics(names)
    finally:
        await admin.close()


def _events(count: int) -> list[tuple[str, Envelope]]:
    """(topic index, envelope): per session 4 status changes and the stop."""
    start = datetime(2025, 6, 1, tzinfo=UTC)
    found: list[tuple[str, Envelope]] = []
    for n in range(count // 5):
        cp, at = f"BENCH-{n % 500}", start + timedelta(minutes=n)
        for status in ("Preparing", "Charging", "Finishing", "Available"):
            payload = ConnectorStatusChanged(
                charge_point_id=cp, connector_id=1, status=status, at=at
            )
            found.append(
                ("status", Envelope.wrap(payload, source="bench", subject=cp, correlation_id=None))
            )
        stop = SessionStopped(
            session_id=f"bench-{n}", charge_point_id=cp, connector_id=1, transaction_id=str(n),
            id_tag=None, user_id=f"driver-{n % 2000}", started_at=at,
            stopped_at=at + timedelta(minutes=40), duration_s=2400, energy_wh=15000,
            stop_reason=None, charging_ended_at=at + timedelta(minutes=30),
        )  # fmt: skip
        found.append(
            ("sessions", Envelope.wrap(stop, source="bench", subject=cp, correlation_id=None))
        )
    return found


async def _ingest_rate(pool: asyncpg.Pool) -> tuple[float, float, int]:
    events = _events(EVENTS)
    async with _topics() as (sessions_topic, status_topic):
        producer = create_producer(os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"], client_id="bench")
        await producer.start()
        try:
            sent = [
                await producer.send(
                    sessions_topic if kind == "sessions" else status_topic,
                    env.to_bytes(),
                    key=env.subject.encode(),
                )
                for kind, env in events
            ]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()
        consumer = BatchConsumer(
            name=f"bench.analytics.{uuid.uuid4().hex[:8]}",
            pool=pool,
            bootstrap_servers=os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"],
            topics=[sessions_topic, status_topic],
            batch_size=Settings().ingest_batch_size,
            timezone=Settings().timezone,
        )
        consumer._lookback = None  # a new group reads from offset 0, as a rebuild does
        started = time.monotonic()
        task = asyncio.create_task(consumer.run())
        try:
            while await pool.fetchval("select count(*) from inbox") < len(events):
                await asyncio.sleep(0.05)
            elapsed = time.monotonic() - started
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    ingest_rate = len(events) / elapsed

    # Baseline: the same rows with COPY, into the same (emptied) tables.
    status_rows = [
        (e.id, p.charge_point_id, p.connector_id, p.status, p.error_code, p.at)
        for k, e in events
        if k == "status"
        for p in [e.payload(ConnectorStatusChanged)]
    ]
    stops = [e.payload(SessionStopped) for k, e in events if k == "sessions"]
    session_rows = [
        (s.session_id, s.charge_point_id, s.connector_id, s.user_id, s.started_at, s.stopped_at,
         s.charging_ended_at, s.energy_wh, s.stop_reason)
        for s in stops
    ]  # fmt: skip
    inbox_rows = [("bench-copy", e.id) for _, e in events]
    async with pool.acquire() as conn:
        await conn.execute("truncate sessions, connector_status, inbox")
        started = time.monotonic()
        async with conn.transaction():
            await conn.copy_records_to_table(
                "inbox", records=inbox_rows, columns=["consumer", "event_id"]
            )
            await conn.copy_records_to_table("connector_status", records=status_rows)
            await conn.copy_records_to_table(
                "sessions",
                records=session_rows,
                columns=["session_id", "charge_point_id", "connector_id", "user_id", "started_at",
                         "stopped_at", "charging_ended_at", "energy_wh", "stop_reason"],
            )  # fmt: skip
        copy_rate = len(events) / (time.monotonic() - started)
    return ingest_rate, copy_rate, len(events)


async def _generate_year(pool: asyncpg.Pool) -> int:
    """One session per charge point and day (connector 1 or 2 alternately) and 4 status changes."""
    async with pool.acquire() as conn:
        await conn.execute(
            "truncate sessions, connector_status, charger_links, inbox, charge_points"
        )
        await conn.execute(
            """insert into charge_points (charge_point_id, site_name, address, connectors, changed_at)
               select 'Y-' || cp, 'Site ' || cp, null, 2, now() from generate_series(1, $1) cp""",
            CHARGE_POINTS,
        )
        await conn.execute(
            """insert into charger_links (event_id, charge_point_id, online, at)
               select gen_random_uuid(), 'Y-' || cp, true, $2::timestamptz - interval '1 day'
                 from generate_series(1, $1) cp""",
            CHARGE_POINTS,
            datetime.combine(YEAR_START, datetime.min.time(), UTC),
            timeout=GENERATE_TIMEOUT_S,
        )
        await conn.execute(
            """insert into sessions
               select 'y-' || cp || '-' || d, 'Y-' || cp, 1 + (d % 2), 'driver-' || ((cp * 7 + d) % 5000),
                      t, t + interval '50 minutes', t + interval '35 minutes', 10000 + (cp * d) % 20000, null
                 from generate_series(1, $1) cp, generate_series(0, $2 - 1) d,
                      lateral (select $3::timestamptz + d * interval '1 day'
                                      + ((cp * 37 + d * 11) % 1200) * interval '1 minute' as t) x""",
            CHARGE_POINTS,
            DAYS,
            datetime.combine(YEAR_START, datetime.min.time(), UTC),
            timeout=GENERATE_TIMEOUT_S,
        )
        await conn.execute(
            """insert into connector_status
               select gen_random_uuid(), 'Y-' || cp, 1 + (d % 2), s.status,
                      case when s.status = 'Faulted' then 'GroundFailure' end,
                      $3::timestamptz + d * interval '1 day' + s.offs
                 from generate_series(1, $1) cp, generate_series(0, $2 - 1) d,
                      (values ('Charging', interval '10 hours'), ('Available', interval '11 hours'),
                              ('Faulted', interval '20 hours'),
                              ('Available', interval '21 hours')) s(status, offs)""",
            CHARGE_POINTS,
            DAYS,
            datetime.combine(YEAR_START, datetime.min.time(), UTC),
            timeout=GENERATE_TIMEOUT_S,
        )
        await conn.execute("analyze", timeout=GENERATE_TIMEOUT_S)
        return int(await conn.fetchval("select count(*) from sessions"))


async def _timed(call: Callable[[], Awaitable[object]]) -> float:
    started = time.monotonic()
    await call()
    return (time.monotonic() - started) * 1000


async def run() -> list[Figure]:
    pool = await _fresh_pool()
    try:
        ingest_rate, copy_rate, count = await _ingest_rate(pool)
        figures = [
            Figure(
                name=f"analytics ingest ({count} events, one process)",
                value=ingest_rate,
                baseline=copy_rate,
                unit="events/s",
                baseline_name="plain COPY of the same rows",
            )
        ]
        sessions = await _generate_year(pool)
        settings = Settings()
        # The daily rollups of the generated year, built as the service's job does after a
        # rebuild (every charge point stale from its first fact); timed, against computing the
        # same year live once (what the ranking cost before rollups).
        started = time.monotonic()
        recomputed = await rollups.refresh(pool, settings, datetime.combine(
            YEAR_START + timedelta(days=DAYS + 1), datetime.min.time(), UTC))  # fmt: skip
        build_ms = (time.monotonic() - started) * 1000
        last = YEAR_START + timedelta(days=DAYS - 1)
        start = datetime.combine(YEAR_START, datetime.min.time(), UTC)
        async with pool.acquire() as conn:
            queries: list[tuple[str, Callable[[], Awaitable[object]], str]] = [
                (
                    "network daily series",
                    lambda: operators.network_rows(conn, settings, YEAR_START, last, "day"),
                    """select date_trunc('day', started_at at time zone 'Europe/Stockholm'),
                              count(*), sum(energy_wh), count(distinct user_id)
                         from sessions where started_at >= $1 group by 1""",
                ),
                (
                    "one charge point per day (uptime from status intervals)",
                    lambda: operators.connector_cells(
                        conn, settings, YEAR_START, last, "day", "Y-1"
                    ),
                    """select connector_id, date_trunc('day', started_at at time zone 'Europe/Stockholm'),
                              count(*), sum(energy_wh)
                         from sessions where started_at >= $1 and charge_point_id = 'Y-1' group by 1, 2""",
                ),
                (
                    "station ranking by uptime (all charge points)",
                    lambda: ranking.station_rows(
                        conn, settings, YEAR_START, last, "uptime", "top", 10
                    ),
                    """select charge_point_id, count(*), sum(energy_wh),
                              sum(extract(epoch from stopped_at - started_at))
                         from sessions where started_at >= $1 group by 1""",
                ),
            ]
            for name, query, baseline_sql in queries:
                await query()  # warm
                ours = min([await _timed(query) for _ in range(2)])
                plain = min(
                    [
                        await _timed(functools.partial(conn.fetch, baseline_sql, start))
                        for _ in range(3)
                    ]
                )
                if name.startswith("station ranking"):
                    figures.append(
                        Figure(
                            name=f"analytics rollup build, a year of {recomputed} charge points",
                            value=build_ms,
                            baseline=plain,
                            unit="ms",
                            baseline_name="the ranking's plain SELECT ... GROUP BY",
                            higher_is_better=False,
                        )
                    )
                figures.append(
                    Figure(
                        name=f"analytics query: {name} ({CHARGE_POINTS} charge points, {sessions} sessions, a year)",
                        value=ours,
                        baseline=plain,
                        unit="ms",
                        baseline_name="plain SELECT ... GROUP BY over the raw rows",
                        higher_is_better=False,
                    )
                )
        return figures
    finally:
        await pool.close()
