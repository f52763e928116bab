"""The role matrix of the README, walked over EVERY route of the analytics app with every
caller: driver, support, operator, admin, a service account (with and without `stats:read`),
and no token at all. A route missing from the matrix fails the test. The gateway's role groups
must let through at least everyone the service does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

import pytest
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from gateway.routing import AccessPolicy, RoutingTable
from gateway.settings import DEFAULT_PUBLIC_ROUTES, DEFAULT_ROLE_GROUPS, DEFAULT_ROUTES
from tests.analytics.support import Analytics, auth, own_topics, running_analytics

PUBLIC = "public"
PEOPLE = frozenset({"driver", "support", "operator", "admin"})
STATION_READERS = frozenset({"support", "operator", "admin", "service+stats:read"})
NETWORK_READERS = frozenset({"operator", "admin", "service+stats:read"})

# (method, path) -> who passes authorisation. Keep in step with the README's role matrix.
MATRIX: dict[tuple[str, str], frozenset[str] | str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/v1/stats/me"): PEOPLE,
    ("GET", "/v1/stats/charge-points"): STATION_READERS,
    ("GET", "/v1/stats/charge-points/faults"): STATION_READERS,
    ("GET", "/v1/stats/charge-points/tickets"): STATION_READERS,
    ("GET", "/v1/stats/charge-points/alerts"): STATION_READERS,
    ("GET", "/v1/stats/network"): NETWORK_READERS,
    ("GET", "/v1/stats/network/heat-map"): NETWORK_READERS,
    ("GET", "/v1/stats/network/stations"): NETWORK_READERS,
}

CALLERS: dict[str, dict[str, str]] = {
    "none": {},
    "driver": auth("driver-1", "driver"),
    "support": auth("support-1", "support"),
    "operator": auth("operator-1", "operator"),
    "admin": auth("admin-1", "admin"),
    "service": auth("svc-booking", "service", scopes=("commands:reserve",)),
    "service+stats:read": auth("svc-bi", "service", scopes=("stats:read",)),
}


@pytest.fixture(scope="module")
async def analytics() -> AsyncIterator[Analytics]:
    async with own_topics() as topics, running_analytics("test_analytics_roles", topics) as svc:
        yield svc


def _walk(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _walk(included.routes)
        else:
            yield route


def _routes(analytics: Analytics) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in _walk(analytics.app.routes)
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    )


def test_every_route_is_in_the_matrix(analytics: Analytics) -> None:
    assert set(_routes(analytics)) == set(MATRIX)


@pytest.mark.parametrize("caller", sorted(CALLERS))
async def test_role_matrix(analytics: Analytics, caller: str) -> None:
    for method, path in _routes(analytics):
        response = await analytics.http.request(method, path, headers=CALLERS[caller])
        assert response.status_code < 500, (method, path, response.text)
        allowed = MATRIX[(method, path)]
        if allowed == PUBLIC or caller in allowed:
            assert response.status_code == 200, (method, path, response.text)
        else:
            expected = 401 if caller == "none" else 403
            assert response.status_code == expected, (method, path, response.status_code)
            assert response.headers["content-type"] == "application/problem+json"


def test_the_gateway_routes_and_admits_what_the_service_allows() -> None:
    table = RoutingTable(DEFAULT_ROUTES)
    policy = AccessPolicy(DEFAULT_PUBLIC_ROUTES, DEFAULT_ROLE_GROUPS)
    for (_, path), allowed in MATRIX.items():
        if not path.startswith("/v1/"):
            continue
        assert table.service_for(path) == "analytics", path
        assert not policy.is_public("GET", path), path
        roles = policy.roles_for(path)
        if roles is None:  # any authenticated caller (the service decides)
            continue
        assert isinstance(allowed, frozenset)
        people = {caller for caller in allowed if not caller.startswith("service")}
        assert people <= roles, path
        assert ("service" in roles) == any(c.startswith("service") for c in allowed), path
        assert "driver" not in roles, path
