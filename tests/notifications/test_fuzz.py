"""schemathesis over notifications' own OpenAPI document, as a driver and an admin:
no 5xx, every answer as documented, errors are problems."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers.fuzz import fuzz
from tests.notifications.conftest import TOKENS
from tests.notifications.harness import Notifications

# The fuzzer invents webhook URLs: this module's dispatcher sends nothing anywhere.
SETTINGS = {"email_concurrency": 0, "webhook_concurrency": 0}


# An admin reaches every route a staff member can; a driver the driver's own.
@pytest.mark.parametrize("role", ["driver", "admin"])
async def test_every_operation_answers_without_5xx_and_with_problem_json(
    notifications: Notifications, role: str
) -> None:
    document = (await notifications.http.get("/openapi.json")).json()
    operations = sum(len(item) for item in document["paths"].values())
    assert operations >= 10
    token = TOKENS.token(f"{role}-fuzz", role)
    calls, findings = await asyncio.to_thread(fuzz, document, notifications.url, token)
    assert calls > operations
    assert not findings, f"{len(findings)} of {calls} calls broke the contract:\n" + "\n".join(
        findings[:30]
    )


pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]
