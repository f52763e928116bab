"""schemathesis over operations' own OpenAPI document, as an operator: no 5xx, errors are
problems. The operator token passes every role check, so generated requests reach the logic."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers.fuzz import fuzz
from tests.operations.support import OPERATOR, Operations


async def test_every_operation_answers_without_5xx_and_with_problem_json(
    ops: Operations,
) -> None:
    document = (await ops.http.get("/openapi.json")).json()
    operations = sum(len(item) for item in document["paths"].values())
    assert operations >= 27
    token = OPERATOR["Authorization"].removeprefix("Bearer ")
    calls, findings = await asyncio.to_thread(fuzz, document, ops.url, token)
    assert calls > operations
    assert not findings, f"{len(findings)} of {calls} calls broke the contract:\n" + "\n".join(
        findings[:30]
    )


pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]
