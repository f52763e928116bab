"""schemathesis over support's own OpenAPI document, as a driver and as an agent: no 5xx,
errors are problems. Each token passes the role checks of its half, so requests reach the logic."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers.fuzz import fuzz
from tests.support.harness import Support, auth


@pytest.mark.parametrize("role", ["driver", "support"])
async def test_every_operation_answers_without_5xx_and_with_problem_json(
    support: Support, role: str
) -> None:
    document = (await support.http.get("/openapi.json")).json()
    operations = sum(len(item) for item in document["paths"].values())
    assert operations >= 10
    token = auth(f"{role}-fuzz", role)["Authorization"].removeprefix("Bearer ")
    calls, findings = await asyncio.to_thread(fuzz, document, support.url, token)
    assert calls > operations
    assert not findings, f"{len(findings)} of {calls} calls broke the contract:\n" + "\n".join(
        findings[:30]
    )


pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]
