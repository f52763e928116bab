"""Waiting in tests: poll a condition with a generous deadline instead of sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(
    predicate: Callable[[], Awaitable[bool]], timeout: float = 20, interval: float = 0.05
) -> None:
    """Return once `predicate()` is true; fail the test if it is not true within `timeout` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            name = getattr(predicate, "__qualname__", repr(predicate))
            raise AssertionError(f"condition {name} not reached in {timeout} s")
        await asyncio.sleep(interval)
