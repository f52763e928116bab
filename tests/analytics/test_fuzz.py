"""schemathesis over analytics' own OpenAPI document, as an operator: no 5xx, every answer as
documented (JSON or CSV), errors are problems."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.analytics.support import OPERATOR, Analytics, own_topics, running_analytics
from tests.helpers.fuzz import fuzz


@pytest.fixture(scope="module")
async def analytics() -> AsyncIterator[Analytics]:
    async with own_topics() as topics, running_analytics("test_analytics_fuzz", topics) as svc:
        yield svc


async def test_every_operation_answers_without_5xx_and_as_documented(analytics: Analytics) -> None:
    document = (await analytics.http.get("/openapi.json")).json()
    operations = sum(len(item) for item in document["paths"].values())
    assert operations >= 6
    token = OPERATOR["Authorization"].removeprefix("Bearer ")
    calls, findings = await asyncio.to_thread(fuzz, document, analytics.url, token)
    assert calls > operations
    assert not findings, f"{len(findings)} of {calls} calls broke the contract:\n" + "\n".join(
        findings[:30]
    )


pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]
