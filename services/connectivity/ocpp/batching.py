"""Group concurrent database work of many chargers into one round trip and one commit.

A reconnect storm brings thousands of handshakes and BootNotifications within a second; one
transaction each would queue on the pool and serialise on commits. A `Batcher` collects what
arrives while the previous batch is being written and handles it together; alone, a request
is handled at once.

One charger must never cost the others their answer: when a batch fails for a reason that
lies in its items (not an outage), it is split in halves and each half retried, down to single
items, so only the guilty item fails. An outage (`is_outage`) fails the batch at once: retrying
thousands of items one by one against a database that is down would only add load. The queue
is bounded (`max_queue`): beyond it `submit` raises `Overloaded` at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class Overloaded(Exception):
    """The batcher's queue is full: the caller should answer "try again later"."""


def _never(_: BaseException) -> bool:
    return False


class Batcher(Generic[T, R]):
    def __init__(
        self,
        name: str,
        handle: Callable[[Sequence[T]], Awaitable[Sequence[R]]],
        *,
        max_batch: int = 1000,
        concurrency: int = 2,
        max_queue: int = 100_000,
        is_outage: Callable[[BaseException], bool] = _never,
    ) -> None:
        self._name = name
        self._handle = handle
        self._max_batch = max_batch
        self._max_queue = max_queue
        self._is_outage = is_outage
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._slots = asyncio.Semaphore(concurrency)
        self._draining = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def queued(self) -> int:
        return len(self._queue)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def submit(self, item: T) -> R:
        if len(self._queue) >= self._max_queue:
            raise Overloaded(self._name)
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if not self._draining:
            self._draining = True
            self._spawn(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                await self._slots.acquire()
                # Let the chargers that are ready in this loop iteration join the batch.
                await asyncio.sleep(0)
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                if not batch:
                    self._slots.release()
                    break
                self._spawn(self._run(batch))
        finally:
            self._draining = False
            if self._queue:  # items that arrived after the loop ended
                self._draining = True
                self._spawn(self._drain())

    async def _run(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        started = asyncio.get_running_loop().time()
        try:
            await self._settle(batch)
            log.debug(
                "connectivity.batch_done",
                batch=self._name,
                size=len(batch),
                took_s=round(asyncio.get_running_loop().time() - started, 3),
            )
        finally:
            self._slots.release()

    async def _settle(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        """Handle the batch; on a failure that is not an outage, isolate the guilty items."""
        try:
            results = await self._handle([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1 or self._is_outage(exc):
                log.warning(
                    "connectivity.batch_failed",
                    batch=self._name,
                    size=len(batch),
                    error=repr(exc)[:500],
                )
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                return
            half = len(batch) // 2
            await self._settle(batch[:half])
            await self._settle(batch[half:])
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
