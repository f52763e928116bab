"""Unit tests of the batcher that groups a reconnect storm's database work."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from services.connectivity.ocpp.batching import Batcher


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
