"""The four shared write batches of the OCPP edge: handshake credentials, connects, status
reports and BootNotifications (see batching.py for how a batch isolates a failure)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import asyncpg

from services.connectivity.chargepoints import repository as cp_repository
from services.connectivity.chargepoints import service as cp_service
from services.connectivity.chargepoints.reports import BootReport, ConnectedCharger, StatusReport
from services.connectivity.ocpp.batching import Batcher
from services.connectivity.sessions import orphans
from shared.db import Connection
from shared.service import ServiceRuntime

Transaction = Callable[[], contextlib.AbstractAsyncContextManager[Connection]]


def is_outage(exc: BaseException) -> bool:
    """The database is unreachable or refusing connections, rather than refusing a row."""
    return isinstance(
        exc,
        OSError
        | ConnectionError
        | TimeoutError
        | asyncpg.InterfaceError
        | asyncpg.PostgresConnectionError
        | asyncpg.CannotConnectNowError
        | asyncpg.TooManyConnectionsError,
    )


class ChargerBatches:
    def __init__(
        self,
        runtime: ServiceRuntime,
        transaction: Transaction,
        replica_id: str,
        max_queue: int,
    ) -> None:
        self._runtime = runtime
        self._transaction = transaction
        self._replica_id = replica_id

        self.credentials: Batcher[str, asyncpg.Record | None] = Batcher(
            "credentials", self._credentials, max_queue=max_queue, is_outage=is_outage
        )
        self.connects: Batcher[ConnectedCharger, None] = Batcher(
            "connect", self._connects, max_queue=max_queue, is_outage=is_outage
        )
        self.statuses: Batcher[StatusReport, None] = Batcher(
            "status", self._statuses, max_queue=max_queue, is_outage=is_outage
        )
        self.boots: Batcher[BootReport, str] = Batcher(
            "boot", self._boots, max_queue=max_queue, is_outage=is_outage
        )

    async def _credentials(self, cp_ids: Sequence[str]) -> list[asyncpg.Record | None]:
        pool = self._runtime.pool
        if pool is None:
            raise ConnectionError("the database is not connected yet")
        async with pool.acquire() as conn:
            found = await cp_repository.credentials_many(conn, sorted(set(cp_ids)))
        return [found.get(cp_id) for cp_id in cp_ids]

    async def _connects(self, connections: Sequence[ConnectedCharger]) -> list[None]:
        async with self._transaction() as conn:
            await cp_service.connected_many(conn, connections, self._replica_id)
        return [None] * len(connections)

    async def _statuses(self, reports: Sequence[StatusReport]) -> list[None]:
        # One commit and a few round trips for many chargers' reports; a connector reported
        # Available has no transaction, so a session still open on it is closed.
        async with self._transaction() as conn:
            await cp_service.connector_statuses_reported(conn, reports)
            await orphans.close_on_available(conn, reports)
        return [None] * len(reports)

    async def _boots(self, boots: Sequence[BootReport]) -> list[str]:
        # A charger that boots has lost whatever session it had open.
        async with self._transaction() as conn:
            registrations = await cp_service.booted_many(conn, boots)
            await orphans.close_after_boot(conn, [boot.cp_id for boot in boots])
        return registrations
