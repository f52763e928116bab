"""The role matrix of the README, walked over EVERY route of the support app with every role:
driver, support, operator, admin, a service account, and no token. A route missing from the
matrix fails the test."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence

import pytest
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from tests.support.harness import Support, auth

PUBLIC = "public"
DRIVERS = frozenset({"driver"})
STAFF = frozenset({"support", "operator", "admin"})

MATRIX: dict[tuple[str, str], frozenset[str] | str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/v1/support/tickets"): DRIVERS,
    ("GET", "/v1/support/tickets"): DRIVERS,
    ("GET", "/v1/support/tickets/{ticket_id}"): DRIVERS,
    ("POST", "/v1/support/tickets/{ticket_id}/messages"): DRIVERS,
    ("POST", "/v1/support/tickets/{ticket_id}/reopen"): DRIVERS,
    ("GET", "/v1/support/queue"): STAFF,
    ("GET", "/v1/support/queue/{ticket_id}"): STAFF,
    ("PATCH", "/v1/support/queue/{ticket_id}"): STAFF,
    ("POST", "/v1/support/queue/{ticket_id}/messages"): STAFF,
    ("POST", "/v1/support/queue/{ticket_id}/status"): STAFF,
}

CALLERS: dict[str, dict[str, str]] = {
    "none": {},
    "driver": auth("driver-1", "driver"),
    "support": auth("support-1", "support"),
    "operator": auth("operator-1", "operator"),
    "admin": auth("admin-1", "admin"),
    "service": auth("svc-notifications", "service", scope="alerts:read"),
}


def _walk(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _walk(included.routes)
        else:
            yield route


def _routes(svc: Support) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in _walk(svc.app.routes)
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    )


def test_every_route_is_in_the_matrix(support: Support) -> None:
    assert set(_routes(support)) == set(MATRIX)


@pytest.mark.parametrize("caller", sorted(CALLERS))
async def test_role_matrix(support: Support, caller: str) -> None:
    outcomes: dict[tuple[str, str], int] = {}
    for method, path in _routes(support):
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        body: dict[str, object] | None = {} if method in ("POST", "PATCH") else None
        response = await support.http.request(method, url, json=body, headers=CALLERS[caller])
        outcomes[(method, path)] = response.status_code
        assert response.status_code < 500, (method, path, response.text)
        allowed = MATRIX[(method, path)]
        if allowed == PUBLIC or caller in allowed:
            assert response.status_code not in (401, 403), (method, path, response.text)
        else:
            expected = 401 if caller == "none" else 403
            assert response.status_code == expected, (method, path, response.status_code)
            assert response.headers["content-type"] == "application/problem+json"
    assert outcomes
