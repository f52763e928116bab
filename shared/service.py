"""The composition root every service shares: lifespan, DB pool, outbox relay, consumers, health.

A service starts serving at once and connects in the background: until its database is migrated
and Kafka answers, `/readyz` says not-ready and endpoints that need the database answer 503.
Outages later on are survived the same way (pool reconnects, relay and consumers retry).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, FastAPI, Request

from shared.auth.jwt import JwksClient, KeySource, TokenVerifier
from shared.auth.revocations import RevocationFeed, Revocations
from shared.db import Connection, create_pool, migrate
from shared.health import router as health_router
from shared.health import watch_gc_pauses
from shared.http import RequestContextMiddleware
from shared.inbox import EventConsumer
from shared.kafka import create_producer
from shared.logging import configure_logging
from shared.outbox import OutboxRelay
from shared.problems import Unavailable, document_problems, install_problem_handlers
from shared.settings import ServiceSettings

log = structlog.get_logger(__name__)
# Resetting a connection on its way back to the pool: as the pool's command timeout.
RELEASE_TIMEOUT_S = 30.0

ConsumerFactory = Callable[["ServiceRuntime"], Sequence[EventConsumer]]
BackgroundFactory = Callable[["ServiceRuntime"], Sequence[Coroutine[Any, Any, None]]]
Hook = Callable[["ServiceRuntime"], Awaitable[None]]


class ServiceRuntime:
    """What a running service holds: its pool, producer, relay, consumers and background tasks."""

    def __init__(
        self,
        *,
        name: str,
        settings: ServiceSettings,
        migrations: Path,
        consumers: ConsumerFactory | None = None,
        background: BackgroundFactory | None = None,
        on_database_ready: Hook | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self._migrations = migrations
        self._consumer_factory = consumers
        self._background_factory = background
        self._on_database_ready = on_database_ready
        self.pool: asyncpg.Pool | None = None
        self.producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[EventConsumer] = []
        self.started = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # Turns at the pool for `transaction()`, one per pooled connection, granted first come
        # first served (asyncio.Semaphore hands a released turn to the longest waiter).
        self._turns = asyncio.Semaphore(settings.db_pool_max_size)

    def consumer_name(self, purpose: str) -> str:
        """Kafka consumer group and inbox name of one of this service's consumers."""
        return f"{self.name}.{purpose}{self.settings.consumer_group_suffix}"

    # -- start and stop ---------------------------------------------------------------------

    def start(self) -> None:
        self._spawn(self._bootstrap(), "bootstrap")

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=f"{self.name}:{name}")
        task.add_done_callback(self._task_done)
        self._tasks.append(task)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("service.task_crashed", task=task.get_name(), error=repr(task.exception()))

    async def _bootstrap(self) -> None:
        settings = self.settings
        self.pool = await self._retry(
            "database",
            lambda: create_pool(
                settings.database_url.get_secret_value(),
                min_size=settings.db_pool_min_size,
                max_size=settings.db_pool_max_size,
            ),
        )
        await self._retry("migrations", lambda: migrate(self._require_pool(), self._migrations))
        if self._on_database_ready is not None:
            await self._retry("startup", lambda: self._on_database_ready(self))  # type: ignore[misc]
        self.producer = create_producer(settings.kafka_bootstrap_servers, client_id=self.name)
        await self._retry("kafka", self.producer.start)
        self.relay = OutboxRelay(self.pool, self.producer)
        self._spawn(self.relay.run(), "outbox-relay")
        if self._consumer_factory is not None:
            self.consumers = list(self._consumer_factory(self))
            for consumer in self.consumers:
                self._spawn(consumer.run(), f"consumer:{consumer.name}")
        if self._background_factory is not None:
            for index, coro in enumerate(self._background_factory(self)):
                self._spawn(coro, f"background:{index}")
        self.started.set()
        log.info("service.started", service=self.name)

    async def _retry(self, what: str, attempt: Callable[[], Awaitable[Any]]) -> Any:
        backoff = 0.5
        while True:
            try:
                return await attempt()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError) as exc:
                log.warning("service.waiting_for", dependency=what, error=repr(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def stop(self) -> None:
        for task in reversed(self._tasks):
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.producer is not None:
            with contextlib.suppress(Exception):
                await self.producer.stop()
        if self.pool is not None:
            await self.pool.close()

    # -- readiness ----------------------------------------------------------------------------

    def _require_pool(self) -> asyncpg.Pool:
        if self.pool is None:
            raise Unavailable("The service is starting; its database is not connected yet.")
        return self.pool

    async def database_ready(self) -> bool:
        async with self._require_pool().acquire(timeout=1.5) as conn:
            return bool(await conn.fetchval("select 1"))

    async def kafka_ready(self) -> bool:
        if self.producer is None:
            return False
        client = self.producer.client
        node_ids = [broker.nodeId for broker in client.cluster.brokers()]
        if not node_ids:
            return False
        # ready() opens (or reuses) a connection; it fails fast when no broker accepts one.
        return any([await client.ready(node_id) for node_id in node_ids])

    async def ready(self) -> bool:
        return self.started.is_set()

    # -- per-request database access --------------------------------------------------------

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A pooled connection in a transaction, granted in arrival order, or 503 after
        `db_acquire_timeout_s`.

        asyncpg's pool is not fair: a waiter it wakes can be overtaken by whoever asks at that
        moment, and is then queued again at the back (asyncio.Queue), without any bound on the
        wait. Under a burst larger than the pool, one request could wait for as long as others
        kept arriving. Here requests take turns first (FIFO, one turn per connection), so they
        reach asyncpg's queue no faster than connections free up and no later arrival can
        overtake them; the whole wait is bounded.
        """
        pool = self._require_pool()
        deadline = asyncio.get_running_loop().time() + self.settings.db_acquire_timeout_s
        try:
            await asyncio.wait_for(self._turns.acquire(), self.settings.db_acquire_timeout_s)
        except TimeoutError:
            raise self._busy() from None
        try:
            remaining = max(deadline - asyncio.get_running_loop().time(), 0.001)
            try:
                conn = await pool.acquire(timeout=remaining)
            except TimeoutError:
                raise self._busy() from None
            try:
                async with conn.transaction():
                    yield conn
            finally:
                # Its own bound for the reset (else asyncpg reuses what was left of the wait).
                await pool.release(conn, timeout=RELEASE_TIMEOUT_S)
        finally:
            self._turns.release()

    def _busy(self) -> Unavailable:
        log.warning("db.pool.busy", service=self.name, waited_s=self.settings.db_acquire_timeout_s)
        return Unavailable("The service is busy; try again in a moment.")


async def _request_transaction(request: Request) -> AsyncIterator[Connection]:
    """One transaction per request: committed when the endpoint returns, rolled back on error."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.transaction() as conn:
        yield conn


DbConn = Annotated[Connection, Depends(_request_transaction, scope="function")]


async def get_runtime(request: Request) -> ServiceRuntime:
    # async: a plain function would be run in the thread pool, a hop per request while the
    # request holds a pooled connection.
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]


def _document_problems(app: FastAPI) -> None:
    """The service's OpenAPI lists every error status of every operation (problem+json)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_service_app(
    *,
    runtime: ServiceRuntime,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    key_source: KeySource | None = None,
) -> FastAPI:
    """A FastAPI app with the platform's middleware, errors, health, auth and lifespan."""
    settings = runtime.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(runtime.name, level=settings.log_level, fmt=settings.log_format)
        watch_gc_pauses()
        runtime.start()
        following = asyncio.create_task(feed.run(), name=f"{runtime.name}:revocations")
        try:
            yield
        finally:
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await following
            await runtime.stop()
            if isinstance(keys, JwksClient):
                await keys.aclose()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    keys = key_source or JwksClient(settings.jwks_url, ttl=settings.jwks_ttl_s)
    feed = RevocationFeed(
        Revocations(),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{runtime.name}-revocations",
    )
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier(
        keys,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        leeway_s=settings.jwt_leeway_s,
        revocations=feed.revocations,
    )
    app.state.readiness_checks = {
        "started": runtime.ready,
        "database": runtime.database_ready,
        "kafka": runtime.kafka_ready,
        "revocations": feed.ready,
    }
    install_problem_handlers(app)
    _document_problems(app)
    app.add_middleware(RequestContextMiddleware, service=runtime.name)
    app.include_router(health_router)
    for router in routers:
        app.include_router(router)
    return app
