"""The role matrix of the README, walked over EVERY route of the analytics app with every
caller: driver, support, operator, admin, a service account (with and without `stats:read`),
and no token at all. A route missing from the matrix fails the test. The gateway's role groups
must let through at least everyone the service does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.routing import AccessPolicy, RoutingTable
from gateway.settings import DEFAULT_PUBLIC_ROUTES, DEFAULT_ROLE_GROUPS, DEFAULT_ROUTES
from tests.analytics.support import Analytics, auth, own_topics, running_analytics
from tests.helpers.roles import NO_TOKEN, PUBLIC, Matrix, app_routes, walk

PEOPLE = frozenset({"driver", "support", "operator", "admin"})
STATION_READERS = frozenset({"support", "operator", "admin", "service+stats:read"})
NETWORK_READERS = frozenset({"operator", "admin", "service+stats:read"})

# (method, path) -> who passes authorisation. Keep in step with the README's role matrix.
MATRIX: Matrix = {
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
    NO_TOKEN: {},
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


def test_every_route_is_in_the_matrix(analytics: Analytics) -> None:
    assert set(app_routes(analytics.app)) == set(MATRIX)


@pytest.mark.parametrize("caller", sorted(CALLERS))
async def test_role_matrix(analytics: Analytics, caller: str) -> None:
    # Every figure answers 200 to whoever may read it (defaults for every parameter).
    await walk(
        analytics.http,
        app_routes(analytics.app),
        MATRIX,
        caller,
        CALLERS[caller],
        body=lambda method, path: None,
        allowed_status=200,
    )


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
