"""Unit tests of the gateway's tables: routing, the public allow-list, role groups, OpenAPI merge."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.openapi import merge_documents
from gateway.routing import AccessPolicy, RoutingTable
from gateway.settings import DEFAULT_PUBLIC_ROUTES, DEFAULT_ROLE_GROUPS, DEFAULT_ROUTES


def test_longest_prefix_wins_on_segment_boundaries() -> None:
    table = RoutingTable({"/v1/stats": "analytics", "/v1/stats/me": "special", "/v1": "other"})
    assert table.service_for("/v1/stats/me") == "special"
    assert table.service_for("/v1/stats/me/2024") == "special"
    assert table.service_for("/v1/stats/network") == "analytics"
    assert table.service_for("/v1/stats") == "analytics"
    assert table.service_for("/v1/stats/") == "analytics"
    # A prefix matches whole segments only.
    assert table.service_for("/v1/statsx") == "other"
    assert table.service_for("/v2/stats") is None
    assert table.service_for("/") is None


def test_default_table_routes_every_documented_resource() -> None:
    table = RoutingTable(DEFAULT_ROUTES)
    assert table.service_for("/v1/charge-points/CP-1/commands") == "connectivity"
    assert table.service_for("/v1/auth/login") == "identity"
    assert table.service_for("/.well-known/jwks.json") == "identity"
    assert table.service_for("/v1/support/tickets/1/messages") == "support"
    assert table.service_for("/healthz") is None
    assert table.service_for("/openapi.json") is None


def test_public_allow_list_is_exact_per_method() -> None:
    policy = AccessPolicy(DEFAULT_PUBLIC_ROUTES, DEFAULT_ROLE_GROUPS)
    assert policy.is_public("POST", "/v1/auth/login")
    assert policy.is_public("POST", "/v1/auth/token")
    assert not policy.is_public("GET", "/v1/auth/login")
    assert policy.is_public("POST", "/v1/auth/logout")  # the refresh token is enough
    assert not policy.is_public("POST", "/v1/auth/password")
    assert not policy.is_public("POST", "/v1/auth/login/extra")
    assert policy.is_public("GET", "/v1/locations")
    assert policy.is_public("HEAD", "/v1/locations/abc")
    assert not policy.is_public("POST", "/v1/locations")
    assert not policy.is_public("GET", "/v1/locationsx")
    assert policy.is_public("POST", "/v1/stripe/webhook")
    assert not policy.is_public("GET", "/v1/reservations")


def test_role_groups() -> None:
    policy = AccessPolicy([], DEFAULT_ROLE_GROUPS)
    assert policy.roles_for("/v1/alerts") == {"operator", "admin", "service", "support"}
    assert policy.roles_for("/v1/security-equipment/x") == {"operator", "admin", "service"}
    assert policy.roles_for("/v1/work-orders/7/close") == {"operator", "admin", "service"}
    assert policy.roles_for("/v1/stats/network") == {"operator", "admin", "service"}
    assert policy.roles_for("/v1/stats/me") is None
    assert policy.roles_for("/v1/reservations") is None


def test_malformed_public_route_is_refused() -> None:
    with pytest.raises(ValueError, match="METHOD /path"):
        AccessPolicy(["/v1/auth/login"], {})


def _document(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "x", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _get(ref: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": "read",
            "security": [{"HTTPBearer": []}],
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"$ref": ref}}},
                }
            },
        }
    }


def test_merge_keeps_routed_paths_renames_colliding_schemas_and_marks_security() -> None:
    table = RoutingTable(DEFAULT_ROUTES)
    policy = AccessPolicy(DEFAULT_PUBLIC_ROUTES, {})
    page_a = {"type": "object", "properties": {"items": {"type": "array"}}}
    page_b = {"type": "object", "properties": {"rows": {"type": "array"}}}
    shared = {"type": "object", "properties": {"detail": {"type": "string"}}}
    merged = merge_documents(
        {
            "booking": _document(
                {
                    "/v1/reservations": _get("#/components/schemas/Page"),
                    # Not routed to booking: not reachable through the gateway, left out.
                    "/v1/internal/debug": _get("#/components/schemas/Page"),
                },
                {"Page": page_a, "HTTPValidationError": shared},
            ),
            "connectivity": _document(
                {"/v1/locations": _get("#/components/schemas/Page")},
                {"Page": page_b, "HTTPValidationError": shared},
            ),
        },
        table=table,
        policy=policy,
        unavailable=["payment"],
    )
    assert set(merged["paths"]) == {"/v1/reservations", "/v1/locations"}
    schemas = merged["components"]["schemas"]
    # The first service keeps the name; the second, different one is prefixed; equal ones merge.
    assert schemas["Page"] == page_a
    assert schemas["ConnectivityPage"] == page_b
    assert "BookingHTTPValidationError" not in schemas
    assert "ConnectivityHTTPValidationError" not in schemas
    locations = merged["paths"]["/v1/locations"]["get"]
    assert (
        locations["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        == "#/components/schemas/ConnectivityPage"
    )
    # Public operations need no token; the rest use the gateway's bearer scheme.
    assert locations["security"] == []
    assert "401" not in locations["responses"]
    reservations = merged["paths"]["/v1/reservations"]["get"]
    assert reservations["security"] == [{"bearerAuth": []}]
    assert reservations["responses"]["401"]["content"]["application/problem+json"]
    assert reservations["responses"]["503"]
    assert merged["components"]["securitySchemes"] == {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": merged["components"]["securitySchemes"]["bearerAuth"]["description"],
        }
    }
    # Operation ids stay unique across services.
    assert reservations["operationId"] != locations["operationId"]
    assert "payment" in merged["info"]["description"]
