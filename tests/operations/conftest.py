"""A connectivity service and an operations service per test module, each on its own database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.connectivity.support import Service, running, settings_for
from tests.helpers.stack import fresh_database
from tests.operations.support import Operations, operations_settings, running_operations


def _name(request: pytest.FixtureRequest) -> str:
    module: str = request.module.__name__
    return module.rsplit(".", 1)[-1].removeprefix("test_")


@pytest.fixture(scope="module")
async def connectivity(request: pytest.FixtureRequest) -> AsyncIterator[Service]:
    dsn = await fresh_database("test_opsconn_" + _name(request))
    overrides = getattr(request.module, "CONNECTIVITY_SETTINGS", {})
    async with running(settings_for(dsn, **overrides)) as svc:
        yield svc


@pytest.fixture(scope="module")
async def ops(request: pytest.FixtureRequest) -> AsyncIterator[Operations]:
    dsn = await fresh_database("test_ops_" + _name(request))
    overrides = getattr(request.module, "OPERATIONS_SETTINGS", {})
    async with running_operations(operations_settings(dsn, **overrides)) as svc:
        yield svc
