"""One payment service per test module, on its own database, against the real localstripe."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.helpers.stack import fresh_database
from tests.payment.support import PaymentService, running, sessions_topic


@pytest.fixture(scope="module")
async def topic() -> AsyncIterator[str]:
    async with sessions_topic() as name:
        yield name


@pytest.fixture(scope="module")
async def payment(request: pytest.FixtureRequest, topic: str) -> AsyncIterator[PaymentService]:
    name = "test_pay_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    dsn = await fresh_database(name)
    overrides = getattr(request.module, "SETTINGS", {})
    async with running(dsn, sessions_topic=topic, **overrides) as service:
        yield service
