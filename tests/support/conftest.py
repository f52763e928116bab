"""A support service per test module, on its own database, with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.helpers.stack import fresh_database
from tests.support.harness import (
    ManualClock,
    Support,
    TicketEvents,
    at,
    running_support,
    support_settings,
)

# Monday 30 November 2026, 09:00 in Stockholm: inside the default business hours.
MONDAY_9 = "2026-11-30T09:00:00+01:00"


@pytest.fixture(scope="module")
async def support(request: pytest.FixtureRequest) -> AsyncIterator[Support]:
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    dsn = await fresh_database("test_support_" + name)
    overrides = getattr(request.module, "SUPPORT_SETTINGS", {})
    clock = ManualClock(at(MONDAY_9))
    async with running_support(support_settings(dsn, **overrides), clock) as svc:
        yield svc


@pytest.fixture
async def ticket_events() -> AsyncIterator[TicketEvents]:
    events = TicketEvents()
    await events.start()
    try:
        yield events
    finally:
        await events.stop()
