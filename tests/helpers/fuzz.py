"""Property-based fuzzing of an OpenAPI document against a running server (schemathesis).

Every generated call is checked against the document as a contract: no 5xx, the status code is
one the operation documents, the content type is the documented one for that status, and the
body matches the documented schema (schemathesis's `not_a_server_error`,
`status_code_conformance`, `content_type_conformance`, `response_schema_conformance`). Errors
must also be `application/problem+json`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

PROBLEM = "application/problem+json"
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _reasons(failure: BaseException) -> str:
    """One line per failed check (a FailureGroup holds one failure per check)."""
    failures = failure.exceptions if isinstance(failure, BaseExceptionGroup) else (failure,)
    lines = []
    for each in failures:
        title = getattr(each, "title", type(each).__name__)
        message = str(getattr(each, "message", each)).replace("\n", " ")
        lines.append(f"[{title}] {message[:300]}")
    return " | ".join(lines)


def fuzz(
    document: dict[str, Any],
    base_url: str,
    token: str | None,
    *,
    positive_examples: int = 8,
    negative_examples: int = 6,
    excluded: Collection[tuple[str, str]] = (),
    timeout_s: float = 30,
    label: str = "",
) -> tuple[int, list[str]]:
    """Blocking (run it in a worker thread while the servers serve): returns calls, findings."""
    schema = schemathesis.openapi.from_dict(document)
    findings: list[str] = []
    calls = [0]
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def runner(strategy: Any, examples: int, operation: str) -> Any:
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
            where = f"{label} {operation} -> {response.status_code} {content_type}"
            body = response.content[:300].decode(errors="replace")
            if response.status_code >= 400 and not content_type.startswith(PROBLEM):
                findings.append(f"{where}: not a problem: {body}")
                return
            try:
                case.validate_response(response, checks=CONFORMANCE)
            except (AssertionError, BaseExceptionGroup) as failure:
                findings.append(f"{where}: {_reasons(failure)}")

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
