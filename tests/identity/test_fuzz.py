"""schemathesis over identity's own OpenAPI document, as an admin: no 5xx, errors are problems.

Unlike the gateway's fuzz run (whose test key identity does not trust), the token here is a real
admin token from this identity, so the generated requests reach every operation's logic.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers.fuzz import fuzz
from tests.identity.conftest import Identity


async def test_every_operation_answers_without_5xx_and_with_problem_json(
    identity: Identity,
) -> None:
    document = (await identity.http.get("/openapi.json")).json()
    operations = sum(len(item) for item in document["paths"].values())
    assert operations >= 24
    calls, findings = await asyncio.to_thread(fuzz, document, identity.url, identity.admin_token)
    assert calls > operations
    assert not findings, f"{len(findings)} of {calls} calls broke the contract:\n" + "\n".join(
        findings[:30]
    )


pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]
