"""Property-based fuzzing of an OpenAPI document against a running server (schemathesis).

The contract checked on every generated call: no 5xx, and every error is problem+json.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode

PROBLEM = "application/problem+json"


def fuzz(
    document: dict[str, Any],
    base_url: str,
    token: str,
    *,
    positive_examples: int = 8,
    negative_examples: int = 6,
    excluded: Collection[tuple[str, str]] = (),
    timeout_s: float = 30,
) -> tuple[int, list[str]]:
    """Blocking (run it in a worker thread while the servers serve): returns calls, findings."""
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
            response = case.call(base_url=base_url, headers=headers, timeout=timeout_s)
            content_type = (response.headers.get("content-type") or [""])[0]
            if response.status_code >= 500 or (
                response.status_code >= 400 and not content_type.startswith(PROBLEM)
            ):
                body = response.content[:300].decode(errors="replace")
                findings.append(f"{label} -> {response.status_code} {content_type}: {body}")

        return run

    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # a broken document fails here
        key = (operation.method.upper(), operation.path)
        if key in excluded:
            continue
        for mode, examples in (
            (GenerationMode.POSITIVE, positive_examples),
            (GenerationMode.NEGATIVE, negative_examples),
        ):
            try:
                runner(operation.as_strategy(generation_mode=mode), examples, " ".join(key))()
            except hypothesis.errors.Unsatisfiable:
                # No invalid request exists for this operation (e.g. no parameters, no body).
                assert mode is GenerationMode.NEGATIVE, key
    return calls[0], findings
