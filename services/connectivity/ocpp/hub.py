"""What one replica holds: the live charger connections, and the write-behind buffers.

Heartbeats, meter samples and frame-log rows arrive far more often than anything else, so they
are buffered and written in batches every `flush_interval_s` instead of one transaction per
frame. Everything a charger must get an answer about (boot, status, start, stop) is written
before the answer is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import asyncpg
import structlog

from services.connectivity.chargepoints import repository as cp_repository
from services.connectivity.chargepoints import service as cp_service
from services.connectivity.framelog import repository as frame_repository
from services.connectivity.ocpp.batching import Batcher
from services.connectivity.sessions import service as session_service
from services.connectivity.sessions.schemas import Sample
from services.connectivity.settings import Settings
from shared.db import Connection
from shared.service import ServiceRuntime

if TYPE_CHECKING:
    from services.connectivity.ocpp.handlers import CentralSystemConnection

log = structlog.get_logger(__name__)

REDACTED = "***"
# Frames whose payload can carry a charger secret: redacted before they reach the frame log.
_SECRET_KEYS = {"AuthorizationKey", "BasicAuthPassword"}
_FRAME_BUFFER_LIMIT = 200_000


def redact(text: str) -> str:
    """The frame with any charger password replaced; cheap for frames that cannot hold one."""
    if "AuthorizationKey" not in text and "BasicAuthPassword" not in text:
        return text
    try:
        frame = json.loads(text)
    except ValueError:
        return REDACTED

    def scrub(node: Any) -> Any:
        if isinstance(node, dict):
            secret = node.get("key") in _SECRET_KEYS or (
                isinstance(node.get("variable"), dict)
                and node["variable"].get("name") in _SECRET_KEYS
            )
            return {
                k: (REDACTED if secret and k in ("value", "attributeValue") else scrub(v))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [scrub(v) for v in node]
        return node

    return json.dumps(scrub(frame), separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class StatusReport:
    cp_id: str
    connector_id: int
    evse_id: int | None
    status: str
    error_code: str | None
    info: str | None
    at: datetime | None


class Hub:
    def __init__(self, runtime: ServiceRuntime, settings: Settings) -> None:
        self.runtime = runtime
        self.settings = settings
        self.replica_id = settings.replica_id
        self.connections: dict[str, CentralSystemConnection] = {}
        self._touched: set[str] = set()
        self._samples: list[tuple[str, str, list[Sample]]] = []
        self._frames: list[tuple[Any, ...]] = []
        self.frames_dropped = 0
        self.closing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._flush_lock = asyncio.Lock()
        # A reconnect storm's handshakes, connects and boots share round trips and commits.
        self.credentials: Batcher[str, asyncpg.Record | None] = Batcher(
            "credentials", self._credentials_batch
        )
        self.connects: Batcher[tuple[str, str, str], None] = Batcher("connect", self._connect_batch)
        self.statuses: Batcher[StatusReport, None] = Batcher("status", self._status_batch)
        self.boots: Batcher[tuple[str, str, str, str | None, str | None], str] = Batcher(
            "boot", self._boot_batch
        )

    async def _credentials_batch(self, cp_ids: Sequence[str]) -> list[asyncpg.Record | None]:
        pool = self.runtime.pool
        if pool is None:
            raise ConnectionError("the database is not connected yet")
        async with pool.acquire() as conn:
            found = await cp_repository.credentials_many(conn, sorted(set(cp_ids)))
        return [found.get(cp_id) for cp_id in cp_ids]

    async def _connect_batch(self, connections: Sequence[tuple[str, str, str]]) -> list[None]:
        async with self.transaction() as conn:
            await cp_service.connected_many(conn, connections, self.replica_id)
        return [None] * len(connections)

    async def _status_batch(self, reports: Sequence[StatusReport]) -> list[None]:
        # One commit and four round trips for many chargers' reports.
        at = datetime.now(UTC)
        async with self.transaction() as conn:
            await cp_service.connector_statuses_reported(
                conn,
                [
                    (r.cp_id, r.connector_id, r.evse_id, r.status, r.error_code, r.info, r.at or at)
                    for r in reports
                ],
            )
        return [None] * len(reports)

    async def _boot_batch(
        self, boots: Sequence[tuple[str, str, str, str | None, str | None]]
    ) -> list[str]:
        async with self.transaction() as conn:
            return await cp_service.booted_many(conn, boots)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self.runtime.transaction() as conn:
            yield conn

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """A task the hub keeps a reference to (the library's `@after` tasks are lost)."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("connectivity.task_failed", error=repr(task.exception()))

    # -- connections -------------------------------------------------------------------------

    def attach(self, conn: CentralSystemConnection) -> CentralSystemConnection | None:
        previous = self.connections.get(conn.id)
        self.connections[conn.id] = conn
        return previous

    def detach(self, conn: CentralSystemConnection) -> bool:
        """Forget the connection; false when a newer connection of the charger replaced it."""
        if self.connections.get(conn.id) is conn:
            del self.connections[conn.id]
            return True
        return False

    # -- write-behind ------------------------------------------------------------------------

    def touch(self, cp_id: str) -> None:
        self._touched.add(cp_id)

    def queue_samples(self, cp_id: str, transaction_id: str, samples: list[Sample]) -> None:
        if samples:
            self._samples.append((cp_id, transaction_id, samples))

    def record(
        self,
        cp_id: str,
        direction: str,
        message_type: int | None,
        unique_id: str | None,
        action: str | None,
        text: str,
    ) -> None:
        if not self.settings.frame_log_enabled:
            return
        if len(self._frames) >= _FRAME_BUFFER_LIMIT:
            # The database is far behind; dropping support logs beats running out of memory.
            self.frames_dropped += 1
            return
        self._frames.append(
            (cp_id, direction, datetime.now(UTC), message_type, unique_id, action, redact(text))
        )

    async def flush(self) -> None:
        async with self._flush_lock:
            touched, self._touched = self._touched, set()
            samples, self._samples = self._samples, []
            frames, self._frames = self._frames, []
            if touched:
                live = {
                    cp_id: self.connections[cp_id].version
                    for cp_id in touched
                    if cp_id in self.connections
                }
                async with self.transaction() as conn:
                    await cp_service.heard_from(conn, live)
            if samples:
                async with self.transaction() as conn:
                    await session_service.record_transaction_samples(
                        conn, samples, self.settings.session_update_interval_s
                    )
            if frames:
                async with self.transaction() as conn:
                    await frame_repository.insert_many(conn, frames)

    async def run_flusher(self) -> None:
        while True:
            await asyncio.sleep(self.settings.flush_interval_s)
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("connectivity.flush_failed", error=repr(exc))

    async def run_housekeeping(self) -> None:
        """Replica heartbeat, offline sweep (missed heartbeats) and frame-log retention."""
        settings = self.settings
        offline_after = settings.heartbeat_interval_s * settings.offline_after_missed_heartbeats
        last_sweep = last_purge = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                async with self.transaction() as conn:
                    await cp_repository.heartbeat_replica(conn, self.replica_id)
                if loop.time() - last_sweep >= settings.offline_sweep_interval_s:
                    last_sweep = loop.time()
                    await self.flush()
                    async with self.transaction() as conn:
                        gone = await cp_service.sweep_offline(conn, offline_after)
                    for cp_id in gone:
                        log.info(
                            "connectivity.charge_point.heartbeat_missed", charge_point_id=cp_id
                        )
                if loop.time() - last_purge >= settings.frame_log_purge_interval_s:
                    last_purge = loop.time()
                    async with self.transaction() as conn:
                        purged = await frame_repository.purge(
                            conn, settings.frame_log_retention_days
                        )
                    log.info("connectivity.frame_log.purged", rows=purged)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("connectivity.housekeeping_failed", error=repr(exc))
            await asyncio.sleep(settings.replica_heartbeat_s)

    async def close_all(self) -> None:
        """Shutdown: close every connection, then mark this replica's chargers offline at once."""
        self.closing = True
        connections = list(self.connections.values())
        self.connections.clear()
        await asyncio.gather(
            *(c.transport.close(1001, "server shutting down") for c in connections),
            return_exceptions=True,
        )
        try:
            await self.flush()
            async with self.transaction() as conn:
                await cp_service.replica_stopped(conn, self.replica_id)
        except Exception as exc:
            log.warning("connectivity.shutdown_incomplete", error=repr(exc))
