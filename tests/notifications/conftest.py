"""One notifications service per test module, on its own database, with its own SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers.stack import fresh_database
from tests.helpers.tokens import TestIssuer
from tests.notifications.harness import Notifications, running

TOKENS = TestIssuer("notifications-test-key")


@pytest.fixture(scope="module")
async def notifications(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Notifications]:
    name = "test_notify_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    dsn = await fresh_database(name)
    folder: Path = tmp_path_factory.mktemp("mail")
    issuer = getattr(request.module, "ISSUER", TOKENS)
    overrides = getattr(request.module, "SETTINGS", {})
    async with running(dsn, folder, issuer, **overrides) as service:
        yield service
