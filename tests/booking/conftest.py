"""One booking service per test module, on its own database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.booking.support import Service, running, settings_for
from tests.helpers.stack import fresh_database


@pytest.fixture(scope="module")
async def service(request: pytest.FixtureRequest) -> AsyncIterator[Service]:
    name = "test_booking_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    dsn = await fresh_database(name)
    overrides = getattr(request.module, "SETTINGS", {})
    async with running(settings_for(dsn, **overrides)) as svc:
        yield svc
