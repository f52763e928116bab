"""schemathesis over identity's own OpenAPI document, as an admin: no 5xx, errors are problems.

Unlike the gateway's fuzz run (whose test key identity does not trust), the token here is a real
admin token from this identity, so the generated requests reach every operation's logic.
"""

from __future__ import annotations

import asyncio
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode

from tests.identity.conftest import Identity

PROBLEM = "application/problem+json"


def _fuzz(document: dict[str, Any], base_url: str, token: str) -> tuple[int, list[str]]:
    """Blocking: runs in a worker thread while the service keeps serving on the event loop."""
    schema = schemathesis.openapi.from_dict(document)
    findings: list[str] = []
    calls = [0]
    headers = {"Authorization": f"Bearer {token}"}

    def runner(strategy: Any, examples: int, label: str) -> Any:
        @hypothesis.settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(case=strategy)
        def run(case: Any) -> None:
            calls[0] += 1
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            content_type = (response.headers.get("content-type") or [""])[0]
            if response.status_code >= 500 or (
                response.status_code >= 400 and not content_type.startswith(PROBLEM)
            ):
                body = response.content[:300].decode(errors="replace")
                findings.append(f"{label} -> {response.status_code} {content_type}: {body}")

        return run

    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # a broken document fails here
        label = f"{operation.method.upper()} {operation.path}"
        for mode, examples in ((GenerationMode.POSITIVE, 8), (GenerationMode.NEGATIVE, 6)):
            try:
                runner(operation.as_strategy(generation_mode=mode), examples, label)()
            except hypothesis.errors.Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, label  # nothing invalid to generate
    return calls[0], findings


async def test_every_operation_answers_without_5xx_and_with_problem_json(
    identity: Identity,
) -> None:
    document = (await identity.http.get("/openapi.json")).json()
    operations = sum(len(item) for item in document["paths"].values())
    assert operations >= 24
    calls, findings = await asyncio.to_thread(_fuzz, document, identity.url, identity.admin_token)
    assert calls > operations
    assert not findings, f"{len(findings)} of {calls} calls broke the contract:\n" + "\n".join(
        findings[:30]
    )


pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]
