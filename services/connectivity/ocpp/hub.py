"""What one replica holds, wired together: the live charger connections, the shared write
batches, the write-behind buffers, rate-limited security events and background housekeeping.

Everything a charger must get an answer about (boot, status, start, stop) is written before
the answer is sent; heartbeats, samples and frames go through the write-behind buffers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import structlog

from services.connectivity.chargepoints import service as cp_service
from services.connectivity.ocpp import housekeeping
from services.connectivity.ocpp.batches import ChargerBatches
from services.connectivity.ocpp.connections import Connections
from services.connectivity.ocpp.redaction import REDACTED, redact
from services.connectivity.ocpp.security import SecurityEvents
from services.connectivity.ocpp.write_behind import WriteBehind
from services.connectivity.sessions.schemas import Sample
from services.connectivity.settings import Settings
from shared.db import Connection
from shared.service import ServiceRuntime

__all__ = ["REDACTED", "Hub", "redact"]

log = structlog.get_logger(__name__)


class Hub:
    def __init__(self, runtime: ServiceRuntime, settings: Settings) -> None:
        self.runtime = runtime
        self.settings = settings
        self.replica_id = settings.replica_id
        self.connections = Connections()
        self.closing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self.security = SecurityEvents(
            self._write_security_event, self.spawn, settings.ocpp_security_event_interval_s
        )
        self.buffers = WriteBehind(settings, self.transaction, self._versions, self.security)
        # A reconnect storm's handshakes, connects, statuses and boots share round trips.
        self.batches = ChargerBatches(
            runtime, self.transaction, self.replica_id, settings.ocpp_batch_queue_max
        )
        self.credentials = self.batches.credentials
        self.connects = self.batches.connects
        self.statuses = self.batches.statuses
        self.boots = self.batches.boots

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
            log.error("connectivity.task_failed", error=repr(task.exception())[:300])

    async def _write_security_event(
        self, cp_id: str | None, kind: str, detail: str | None, count: int
    ) -> None:
        async with self.transaction() as conn:
            await cp_service.security_event(conn, cp_id, kind, detail, count)

    def _versions(self, cp_ids: set[str]) -> dict[str, str]:
        return {
            cp_id: conn.version
            for cp_id in cp_ids
            if (conn := self.connections.get(cp_id)) is not None
        }

    # -- connections -------------------------------------------------------------------------

    def attach(self, conn: Any) -> Any:
        return self.connections.attach(conn)

    def detach(self, conn: Any) -> bool:
        return self.connections.detach(conn)

    def close_charger(self, cp_id: str, code: int = 1008, reason: str = "") -> bool:
        """Close the charger's socket if this replica holds it (retire, password change)."""
        live = self.connections.get(cp_id)
        if live is None:
            return False
        self.spawn(live.transport.close(code, reason))
        return True

    # -- write-behind ------------------------------------------------------------------------

    def touch(self, cp_id: str) -> None:
        self.buffers.touch(cp_id)

    def queue_samples(self, cp_id: str, transaction_id: str, samples: list[Sample]) -> bool:
        return self.buffers.queue_samples(cp_id, transaction_id, samples)

    async def flush(self) -> bool:
        return await self.buffers.flush()

    async def run_flusher(self) -> None:
        await housekeeping.run_flusher(self.buffers, self.settings)

    async def run_housekeeping(self) -> None:
        await housekeeping.run_housekeeping(
            self.settings, self.transaction, self.buffers, self.replica_id
        )

    async def close_all(self) -> None:
        """Shutdown: close every connection, then mark this replica's chargers offline at once."""
        self.closing = True
        self.security.close()
        connections = self.connections.clear()
        await asyncio.gather(
            *(c.transport.close(1001, "server shutting down") for c in connections),
            return_exceptions=True,
        )
        try:
            await self.flush()
            async with self.transaction() as conn:
                await cp_service.replica_stopped(conn, self.replica_id)
        except Exception as exc:
            log.warning("connectivity.shutdown_incomplete", error=repr(exc)[:300])
