"""The retention job: daily partitions ahead, old partitions dropped, growing tables purged.

One replica at a time runs a pass (an advisory lock; the others skip it). Each step runs in
transactions of its own, and row deletes go in batches, so a pass never holds a long lock or
a long transaction. DDL waits at most `retention_lock_timeout_s` for its lock and is retried at
the next pass otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog

from services.connectivity.retention import repository
from services.connectivity.settings import Settings
from shared.inbox import purge_processed

log = structlog.get_logger(__name__)
_LOCK = 7_410_017
# A command's clear secret is needed for its timeout (at most 300 s) only.
SECRETS_KEPT = timedelta(hours=1)


@dataclass
class RetentionReport:
    ran: bool = True
    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)
    # Steps that failed (a lock not granted in time, …); retried at the next pass.
    failed: list[str] = field(default_factory=list)


class RetentionJob:
    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings

    def _days(self, table: str) -> float:
        s = self.settings
        return {
            "meter_samples": s.meter_sample_retention_days,
            "ocpp_frames": s.frame_log_retention_days,
            "commands": s.command_retention_days,
            "security_events": s.security_event_retention_days,
            "connector_status_history": s.status_history_retention_days,
        }[table]

    async def run(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("connectivity.retention.failed", error=repr(exc))
            await asyncio.sleep(self.settings.retention_interval_s)

    async def run_once(self, now: datetime | None = None) -> RetentionReport:
        now = now or datetime.now(UTC)
        async with self.pool.acquire() as lock:
            if not await lock.fetchval("select pg_try_advisory_lock($1)", _LOCK):
                return RetentionReport(ran=False)  # another replica is at it
            try:
                report = RetentionReport()
                for table in repository.PARTITIONED:
                    await self._step(report, table, self._partitions(table, now, report))
                for table in repository.DATED_ROWS:
                    kept = (
                        SECRETS_KEPT
                        if table == "command_secrets"
                        else timedelta(days=self._days(table))
                    )
                    await self._step(report, table, self._rows(table, now - kept, report))
                await self._step(report, "inbox", self._inbox(report))
            finally:
                await lock.execute("select pg_advisory_unlock($1)", _LOCK)
        log.info(
            "connectivity.retention.done",
            created=report.created,
            dropped=report.dropped,
            deleted=report.deleted,
            failed=report.failed,
        )
        return report

    async def _step(
        self, report: RetentionReport, what: str, step: Coroutine[Any, Any, None]
    ) -> None:
        """One table's work; a failure is logged and leaves the other tables' work to be done."""
        try:
            await step
        except (asyncpg.PostgresError, OSError) as exc:
            report.failed.append(what)
            log.warning("connectivity.retention.step_failed", table=what, error=repr(exc))

    async def _rows(self, table: str, cutoff: datetime, report: RetentionReport) -> None:
        report.deleted[table] = await self._delete(repository.delete_rows_before, table, cutoff)

    async def _inbox(self, report: RetentionReport) -> None:
        report.deleted["inbox"] = await purge_processed(
            self.pool,
            retention_days=self.settings.inbox_retention_days,
            batch_size=self.settings.retention_batch_size,
        )

    async def _partitions(self, table: str, now: datetime, report: RetentionReport) -> None:
        settings = self.settings
        cutoff = now - timedelta(days=self._days(table))
        async with self.pool.acquire() as conn, conn.transaction():
            existing = await repository.partitions(conn, table)
        today = now.date()
        for offset in range(settings.partitions_ahead_days + 1):
            day = today + timedelta(days=offset)
            if any(p.covers(day) for p in existing):
                continue
            async with self.pool.acquire() as conn, conn.transaction():
                moved = await repository.create_day(
                    conn, table, day, settings.retention_lock_timeout_s
                )
            report.created.append(repository.partition_name(table, day))
            if moved:
                log.warning("connectivity.retention.strays_moved", table=table, rows=moved)
        for partition in existing:
            if partition.expired(cutoff):
                async with self.pool.acquire() as conn, conn.transaction():
                    await repository.drop_partition(
                        conn, table, partition.name, settings.retention_lock_timeout_s
                    )
                report.dropped.append(partition.name)
            elif partition.lower is None:
                # The default partition, or the legacy one until its last day expires.
                report.deleted[partition.name] = await self._delete(
                    repository.delete_partition_rows_before, partition.name, cutoff
                )

    async def _delete(self, batch: repository.BatchDelete, table: str, cutoff: datetime) -> int:
        total, size = 0, self.settings.retention_batch_size
        while True:
            async with self.pool.acquire() as conn:
                deleted = await batch(conn, table, cutoff, size)
            total += deleted
            if deleted < size:
                return total
