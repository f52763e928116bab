"""The role matrix of the README, walked over EVERY route of the support app with every role:
driver, support, operator, admin, a service account, and no token. A route missing from the
matrix fails the test."""

from __future__ import annotations

import pytest

from tests.helpers.roles import NO_TOKEN, PUBLIC, Matrix, app_routes, walk
from tests.support.harness import Support, auth

DRIVERS = frozenset({"driver"})
STAFF = frozenset({"support", "operator", "admin"})

MATRIX: Matrix = {
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
    NO_TOKEN: {},
    "driver": auth("driver-1", "driver"),
    "support": auth("support-1", "support"),
    "operator": auth("operator-1", "operator"),
    "admin": auth("admin-1", "admin"),
    "service": auth("svc-notifications", "service", scope="alerts:read"),
}


def test_every_route_is_in_the_matrix(support: Support) -> None:
    assert set(app_routes(support.app)) == set(MATRIX)


@pytest.mark.parametrize("caller", sorted(CALLERS))
async def test_role_matrix(support: Support, caller: str) -> None:
    await walk(support.http, app_routes(support.app), MATRIX, caller, CALLERS[caller])
