"""Unit tests of the batcher that groups a reconnect storm's database work."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from services.connectivity.ocpp.batching import Batcher, Overloaded


async def test_concurrent_requests_share_batches_and_get_their_own_results() -> None:
    sizes: list[int] = []

    async def double(items: Sequence[int]) -> list[int]:
        sizes.append(len(items))
        await asyncio.sleep(0.01)
        return [item * 2 for item in items]

    batcher: Batcher[int, int] = Batcher("test", double, max_batch=100, concurrency=2)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(500)))
    assert results == [i * 2 for i in range(500)]
    assert sum(sizes) == 500 and len(sizes) < 20 and max(sizes) <= 100


async def test_a_lone_request_is_handled_at_once() -> None:
    async def echo(items: Sequence[str]) -> list[str]:
        return list(items)

    batcher: Batcher[str, str] = Batcher("test", echo)
    assert await asyncio.wait_for(batcher.submit("x"), 0.5) == "x"


async def test_a_failed_batch_fails_its_requests_and_later_ones_still_work() -> None:
    calls = 0

    async def flaky(items: Sequence[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database gone")
        return list(items)

    batcher: Batcher[int, int] = Batcher("test", flaky)
    with pytest.raises(ConnectionError):
        await batcher.submit(1)
    assert await batcher.submit(2) == 2


async def test_a_failed_batch_fails_only_the_guilty_item() -> None:
    batches: list[list[int]] = []

    async def refuse_seven(items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        await asyncio.sleep(0.01)
        if 7 in items:
            raise ValueError("invalid byte sequence for encoding UTF8: 0x00")
        return [item * 2 for item in items]

    batcher: Batcher[int, int] = Batcher("test", refuse_seven, max_batch=100)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(64)), return_exceptions=True)
    assert isinstance(results[7], ValueError)
    assert [r for i, r in enumerate(results) if i != 7] == [i * 2 for i in range(64) if i != 7]
    # Isolated by halving, not by one transaction per item.
    assert len(batches) < 32


async def test_an_outage_fails_the_batch_at_once_without_retrying_item_by_item() -> None:
    calls = 0

    async def down(items: Sequence[int]) -> list[int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise ConnectionRefusedError("database down")

    batcher: Batcher[int, int] = Batcher(
        "test", down, is_outage=lambda exc: isinstance(exc, OSError)
    )
    results = await asyncio.gather(*(batcher.submit(i) for i in range(50)), return_exceptions=True)
    assert all(isinstance(r, ConnectionRefusedError) for r in results)
    assert calls <= 3


async def test_a_full_queue_refuses_at_once() -> None:
    release = asyncio.Event()

    async def slow(items: Sequence[int]) -> list[int]:
        await release.wait()
        return list(items)

    batcher: Batcher[int, int] = Batcher("test", slow, max_batch=1, concurrency=1, max_queue=2)
    # The third request finds two waiting: refused at once instead of queued without bound.
    waiting = [asyncio.create_task(batcher.submit(i)) for i in range(3)]
    await asyncio.sleep(0.05)
    assert waiting[2].done() and isinstance(waiting[2].exception(), Overloaded)
    release.set()
    assert await asyncio.gather(*waiting[:2]) == [0, 1]
