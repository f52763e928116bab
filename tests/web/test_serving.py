"""The gateway's web-app serving rules, without a browser: which paths are the API's, the CSP."""

from __future__ import annotations

from gateway.settings import DEFAULT_ROUTES
from gateway.webapp import ApiPaths, app_csp, tile_origin


def test_api_paths_are_never_the_apps() -> None:
    api = ApiPaths(DEFAULT_ROUTES)
    for path in (
        "/v1",
        "/v1/x",
        "/.well-known/jwks.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/openapi.json",
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/stats/network",
    ):
        assert path in api, path
    for path in (
        "/",
        "/console",
        "/console/chargers/CP.1",
        "/app/cards",
        "/login",
        "/v1x",
        "/docsx",
        "/manifest.webmanifest",
    ):
        assert path not in api, path
    # A prefix added to the routing table later is protected as well.
    assert "/v2/things/1" in ApiPaths({**DEFAULT_ROUTES, "/v2/things": "booking"})


def test_csp_is_strict_and_allows_only_the_tile_server() -> None:
    csp = app_csp("n0nce", tiles_url="")
    assert "script-src 'self';" in csp
    assert "style-src 'self' 'nonce-n0nce'" in csp
    assert "unsafe" not in csp
    assert "img-src 'self' data:;" in csp
    with_tiles = app_csp("n", tiles_url="https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tile.example.org;" in with_tiles
    assert tile_origin("https://tiles.example/{z}/{x}/{y}.png") == "https://tiles.example"
    assert tile_origin("javascript:alert(1)") is None
