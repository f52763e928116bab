"""Request transactions get pooled connections first come, first served, and never wait forever.

asyncpg's own queue lets whoever asks at the right moment overtake a waiter it woke, and puts
that waiter at the back again: under a burst larger than the pool one request can wait without
bound (the booking race stalled a request past 120 s once). `ServiceRuntime.transaction()` hands
out turns in arrival order and answers 503 after `db_acquire_timeout_s`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from shared.db import create_pool
from shared.problems import Unavailable
from shared.service import ServiceRuntime
from shared.settings import ServiceSettings
from tests.helpers.stack import fresh_database

POOL = 2


@pytest.fixture(scope="module")
async def dsn() -> str:
    return await fresh_database("test_pool_turns")


@pytest.fixture
async def runtime(dsn: str, request: pytest.FixtureRequest) -> AsyncIterator[ServiceRuntime]:
    timeout = getattr(request, "param", 30.0)
    settings = ServiceSettings(
        database_url=SecretStr(dsn), db_pool_max_size=POOL, db_acquire_timeout_s=timeout
    )
    runtime = ServiceRuntime(name="probe", settings=settings, migrations=Path("."))
    runtime.pool = await create_pool(dsn, min_size=POOL, max_size=POOL)
    try:
        yield runtime
    finally:
        await runtime.pool.close()


async def test_waiters_are_served_in_arrival_order_although_others_keep_asking(
    runtime: ServiceRuntime,
) -> None:
    served: list[str] = []
    stop = asyncio.Event()

    async def request(name: str) -> None:
        async with runtime.transaction() as conn:
            served.append(name)
            await conn.fetchval("select pg_sleep(0.05)")

    async def ticker() -> None:
        # Like a background job or newly arriving requests: asks again the moment it is done.
        while not stop.is_set():
            async with runtime.transaction() as conn:
                await conn.fetchval("select 1")
            await asyncio.sleep(0)

    tickers = [asyncio.create_task(ticker()) for _ in range(3)]
    await asyncio.sleep(0.2)
    names = [f"request-{i}" for i in range(12)]
    waiting = []
    for name in names:
        waiting.append(asyncio.create_task(request(name)))
        await asyncio.sleep(0)  # arrival order = creation order
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=60)
    stop.set()
    await asyncio.gather(*tickers)
    # Two turns granted at once may reach their connections in either order; nobody is
    # overtaken by more than that (asyncpg alone let waiters fall back behind later arrivals).
    overtaken = {
        name: sum(1 for later in names[i + 1 :] if served.index(later) < served.index(name))
        for i, name in enumerate(names)
    }
    assert max(overtaken.values()) <= POOL - 1, (served, overtaken)


@pytest.mark.parametrize("runtime", [0.5], indirect=True)
async def test_a_request_that_gets_no_connection_in_time_is_told_the_service_is_busy(
    runtime: ServiceRuntime,
) -> None:
    release = asyncio.Event()

    async def holder() -> None:
        async with runtime.transaction():
            await release.wait()

    holders = [asyncio.create_task(holder()) for _ in range(POOL)]
    await asyncio.sleep(0.1)
    started = asyncio.get_running_loop().time()
    with pytest.raises(Unavailable):
        async with runtime.transaction():
            pass
    assert asyncio.get_running_loop().time() - started < 5
    release.set()
    await asyncio.gather(*holders)
    async with runtime.transaction() as conn:  # turns and connections all came back
        assert await conn.fetchval("select 1") == 1
