"""Retention: the growing tables are purged; meter samples and frames are dropped by whole days."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr

from services.connectivity.app import MIGRATIONS
from services.connectivity.framelog import repository as frames
from services.connectivity.retention.service import RetentionJob
from services.connectivity.sessions import repository as sessions
from services.connectivity.sessions.schemas import Sample
from services.connectivity.settings import Settings
from shared.db import create_pool, migrate
from tests.connectivity.support import create_session
from tests.helpers.stack import fresh_database

NOW = datetime.now(UTC)


def settings(dsn: str, **overrides: Any) -> Settings:
    return Settings(database_url=SecretStr(dsn), retention_batch_size=2, **overrides)


DSNS: dict[int, str] = {}


@pytest.fixture
async def pool(request: pytest.FixtureRequest) -> AsyncIterator[asyncpg.Pool]:
    """An empty database of its own per test (migrations applied by the test)."""
    dsn = await fresh_database("test_conn_retention_" + request.node.name[5:30])
    db = await create_pool(dsn)
    DSNS[id(db)] = dsn
    try:
        yield db
    finally:
        await db.close()


def dsn_of(pool: asyncpg.Pool) -> str:
    return DSNS[id(pool)]


def sample(at: datetime, measurand: str = "Energy.Active.Import.Register") -> Sample:
    return Sample(at=at, measurand=measurand, phase="", value=1.0, unit="Wh")


async def partition_of(pool: asyncpg.Pool, table: str, where: str, *args: Any) -> list[str]:
    """The partitions holding the rows that match, in time order."""
    query = f"select tableoid::regclass::text as p from {table} where {where} order by at"
    return [row["p"] for row in await pool.fetch(query, *args)]


async def tables(pool: asyncpg.Pool, prefix: str) -> set[str]:
    rows = await pool.fetch(
        "select relname from pg_class where relname like $1 and relkind in ('r', 'p')",
        prefix + "%",
    )
    return {row["relname"] for row in rows}


async def test_the_migration_partitions_a_database_that_already_holds_samples_and_frames(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    # The database as main left it: migrations up to 0004, with data of several ages.
    before = tmp_path / "connectivity" / "migrations"
    before.mkdir(parents=True)
    for path in sorted(MIGRATIONS.glob("*.sql")):
        if path.name < "0005":
            shutil.copy(path, before / path.name)
    await migrate(pool, before)
    async with pool.acquire() as conn:
        session_id = await create_session(conn)
        ages = [timedelta(days=-40), timedelta(days=-2), timedelta(0), timedelta(days=10)]
        await sessions.insert_samples(conn, session_id, [sample(NOW + age) for age in ages])
        await conn.execute(
            "insert into ocpp_frames (charge_point_id, direction, at, payload) values "
            "('CP', 'in', now() - interval '40 days', '[]'), ('CP', 'in', now(), '[]')"
        )
        old_ids = {row["id"] for row in await conn.fetch("select id from ocpp_frames")}

    # 0005 partitions the tables; the migrations after it apply on top of the partitioned ones.
    later = [f"connectivity/{p.name}" for p in sorted(MIGRATIONS.glob("*.sql")) if p.name >= "0005"]
    assert later[0] == "connectivity/0005_retention.sql"
    assert await migrate(pool, MIGRATIONS) == later

    assert await pool.fetchval("select count(*) from meter_samples") == 4
    assert await pool.fetchval("select count(*) from ocpp_frames") == 2
    assert set(await partition_of(pool, "meter_samples", "at < now() + interval '1 day'")) == {
        "meter_samples_legacy"
    }
    future = await partition_of(pool, "meter_samples", "at > now() + interval '5 days'")
    assert future == ["meter_samples_default"]
    assert {f"meter_samples_p{(NOW + timedelta(days=d)):%Y%m%d}" for d in (1, 2, 3)} <= (
        await tables(pool, "meter_samples_p")
    )
    # Inserts keep working: replays are recognised, new rows land in the day's partition.
    async with pool.acquire() as conn:
        tomorrow = NOW + timedelta(days=1)
        await sessions.insert_samples(
            conn, session_id, [sample(NOW), sample(tomorrow), sample(tomorrow)]
        )
        await frames.insert_many(
            conn, [("CP", "out", tomorrow, 3, "u1", "Heartbeat", '[3,"u1",{}]')]
        )
    assert await pool.fetchval("select count(*) from meter_samples") == 5
    assert await partition_of(pool, "meter_samples", "at = $1", tomorrow) == [
        f"meter_samples_p{tomorrow:%Y%m%d}"
    ]
    new_id = await pool.fetchval("select id from ocpp_frames where unique_id = 'u1'")
    assert new_id > max(old_ids)

    # Retention deletes old rows of the legacy partition until it can drop it whole.
    job = RetentionJob(pool, settings(dsn_of(pool)))
    report = await job.run_once()
    assert report.deleted["meter_samples_legacy"] == 1
    assert report.deleted["ocpp_frames_legacy"] == 1
    later = await job.run_once(NOW + timedelta(days=32))
    assert "meter_samples_legacy" in later.dropped and "ocpp_frames_legacy" in later.dropped
    assert "meter_samples_legacy" not in await tables(pool, "meter_samples_legacy")


async def test_retention_drops_whole_days_and_moves_strays_out_of_the_default(
    pool: asyncpg.Pool,
) -> None:
    await migrate(pool, MIGRATIONS)
    job = RetentionJob(pool, settings(dsn_of(pool), meter_sample_retention_days=30))
    async with pool.acquire() as conn:
        session_id = await create_session(conn)
        stray = NOW + timedelta(days=10)  # beyond the partitions made ahead: the default
        await sessions.insert_samples(conn, session_id, [sample(NOW), sample(stray)])
    today = f"meter_samples_p{NOW:%Y%m%d}"
    assert await partition_of(pool, "meter_samples", "true") == [today, "meter_samples_default"]

    # Nine days on, the stray's day is made ahead and the stray moves into it.
    soon = await job.run_once(NOW + timedelta(days=9))
    assert f"meter_samples_p{stray:%Y%m%d}" in soon.created
    assert (await partition_of(pool, "meter_samples", "true"))[
        1
    ] == f"meter_samples_p{stray:%Y%m%d}"

    # Past retention, today's partition is dropped whole: no DELETE of its rows.
    gone = await job.run_once(NOW + timedelta(days=32))
    assert today in gone.dropped
    assert today not in await tables(pool, today)
    assert await pool.fetchval("select count(*) from meter_samples") == 1


async def test_retention_purges_growing_tables_by_age(pool: asyncpg.Pool) -> None:
    await migrate(pool, MIGRATIONS)
    old, recent = NOW - timedelta(days=400), NOW - timedelta(minutes=1)
    for at in (old, old, old, recent):
        command_id = uuid.uuid4()
        await pool.execute(
            "insert into commands (id, charge_point_id, action, payload, timeout_s, requested_at) "
            "values ($1, 'CP', 'Reset', '{}', 30, $2)",
            command_id,
            at,
        )
        await pool.execute(
            "insert into command_secrets (command_id, payload, created_at) values ($1, '{}', $2)",
            command_id,
            at,
        )
        await pool.execute(
            "insert into security_events (charge_point_id, kind, at) values ('CP', 'x', $1)", at
        )
        await pool.execute(
            "insert into connector_status_history (charge_point_id, connector_id, status, at, "
            "recorded_at) values ('CP', 1, 'Available', $1, $1)",
            at,
        )
        await pool.execute(
            "insert into inbox (consumer, event_id, processed_at) values ('c', $1, $2)",
            uuid.uuid4(),
            at,
        )
    report = await RetentionJob(pool, settings(dsn_of(pool))).run_once()
    for table in ("commands", "security_events", "connector_status_history", "inbox"):
        assert report.deleted[table] == 3, table
        assert await pool.fetchval(f"select count(*) from {table}") == 1, table
    # Old secrets went with their commands; the recent one is kept for its command's timeout.
    assert await pool.fetchval("select count(*) from command_secrets") == 1


async def test_only_one_replica_runs_a_retention_pass_at_a_time(pool: asyncpg.Pool) -> None:
    await migrate(pool, MIGRATIONS)
    async with pool.acquire() as holder:
        await holder.execute("select pg_advisory_lock(7410017)")
        skipped = await RetentionJob(pool, settings(dsn_of(pool))).run_once()
        await holder.execute("select pg_advisory_unlock(7410017)")
    assert skipped.ran is False


async def test_a_partition_locked_by_a_reader_is_retried_and_the_rest_still_purged(
    pool: asyncpg.Pool,
) -> None:
    await migrate(pool, MIGRATIONS)
    job = RetentionJob(pool, settings(dsn_of(pool), retention_lock_timeout_s=0.2))
    async with pool.acquire() as conn:
        session_id = await create_session(conn)
        await sessions.insert_samples(conn, session_id, [sample(NOW)])
    await pool.execute(
        "insert into commands (id, charge_point_id, action, payload, timeout_s, requested_at) "
        "values ($1, 'CP', 'Reset', '{}', 30, now() - interval '400 days')",
        uuid.uuid4(),
    )
    later = NOW + timedelta(days=32)
    async with pool.acquire() as reader, reader.transaction():
        await reader.fetchval("select count(*) from meter_samples")  # holds its lock
        blocked = await job.run_once(later)
    assert "meter_samples" in blocked.failed
    assert blocked.deleted["commands"] == 1
    retried = await job.run_once(later)
    assert f"meter_samples_p{NOW:%Y%m%d}" in retried.dropped and retried.failed == []
