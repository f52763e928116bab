"""One connectivity service per test module, on its own database and ports."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.connectivity.support import Service, running, settings_for
from tests.helpers.stack import fresh_database


@pytest.fixture(scope="module")
async def service(request: pytest.FixtureRequest) -> AsyncIterator[Service]:
    name = "test_conn_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    dsn = await fresh_database(name)
    overrides = getattr(request.module, "SETTINGS", {})
    async with running(settings_for(dsn, **overrides)) as svc:
        yield svc
