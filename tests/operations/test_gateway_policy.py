"""The gateway's defaults for operations: every operations route prefix is routed to it, only
the station-safety read is public, and the role groups match the service's role matrix."""

from __future__ import annotations

from gateway.routing import AccessPolicy, RoutingTable
from gateway.settings import DEFAULT_PUBLIC_ROUTES, DEFAULT_ROLE_GROUPS, DEFAULT_ROUTES
from tests.operations.test_roles import MATRIX, PUBLIC


def test_every_operations_route_reaches_operations() -> None:
    table = RoutingTable(DEFAULT_ROUTES)
    for _, path in MATRIX:
        if path.startswith("/v1/"):
            assert table.service_for(path.replace("{", "x").replace("}", "")) == "operations"


def test_only_the_safety_read_is_public_and_support_reads_alerts() -> None:
    policy = AccessPolicy(DEFAULT_PUBLIC_ROUTES, DEFAULT_ROLE_GROUPS)
    for (method, path), allowed in MATRIX.items():
        if not path.startswith("/v1/"):
            continue
        concrete = path.replace("{", "x").replace("}", "")
        assert policy.is_public(method, concrete) == (allowed == PUBLIC), (method, path)
        roles = policy.roles_for(concrete)
        if allowed == PUBLIC:
            continue
        assert roles is not None and {"operator", "admin"} <= roles, path
        assert ("support" in roles) == path.startswith("/v1/alerts"), path
        assert "driver" not in roles
