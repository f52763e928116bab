"""The gateway's role matrix (README, "Role matrix"): every route it answers or forwards, every
role. Entries come from the app's own routes, the routing table's prefixes, the role groups
and the public allow-list: a new one without an entry here fails `test_every_route_has_a_matrix_entry`.

The gateway's part is coarse: it refuses (401 / 403) or forwards. Every upstream here is the
test's echo app, which never answers 401 or 403 itself, so anything else means "forwarded";
what a role may do inside a service is that service's own matrix.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from gateway.app import create_app
from gateway.settings import DEFAULT_PUBLIC_ROUTES, DEFAULT_ROLE_GROUPS, DEFAULT_ROUTES
from tests.gateway.conftest import Stack
from tests.helpers.roles import ROLES, expect
from tests.helpers.stack import serve
from tests.helpers.tokens import bearer

PASSED = "passed"  # forwarded (proxied routes) or answered (the gateway's own)


EVERYONE = expect(PASSED)
TOKEN = expect(PASSED, anonymous=401)
OPERATIONS = expect(
    403, anonymous=401, operator=PASSED, admin=PASSED, service=PASSED, service_scopes=PASSED
)
ADMIN = expect(403, anonymous=401, admin=PASSED)

# (method, path) -> expected outcome per role. Proxied prefixes are tried with GET on the
# prefix itself; public routes with their own method.
MATRIX: dict[tuple[str, str], dict[str, object]] = {
    ("GET", "/healthz"): EVERYONE,
    # Says ready or not to anyone; the per-check detail only to admins (or on the internal port).
    ("GET", "/readyz"): expect(403, anonymous=PASSED, admin=PASSED),
    ("GET", "/metrics"): ADMIN,
    ("GET", "/openapi.json"): EVERYONE,
    ("GET", "/docs"): EVERYONE,
    **{("GET", prefix): TOKEN for prefix in DEFAULT_ROUTES},
    **{
        ("GET", prefix): {**OPERATIONS, "support": PASSED} if "support" in roles else OPERATIONS
        for prefix, roles in DEFAULT_ROLE_GROUPS.items()
    },
    **{tuple(entry.split(" ", 1)): EVERYONE for entry in DEFAULT_PUBLIC_ROUTES},  # type: ignore[misc]
}
# Public trees ("GET /v1/locations/**") are tried on their root.
MATRIX = {(m, p.removesuffix("/**")): v for (m, p), v in MATRIX.items()}


@pytest.fixture(scope="module")
async def gateway(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    echo = {f"upstream_{name}": stack.echo_url for name in set(DEFAULT_ROUTES.values())}
    settings = stack.settings(**echo)
    async with (
        serve(create_app(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield client


def test_every_route_has_a_matrix_entry(stack: Stack) -> None:
    settings = stack.settings()
    own = {
        (method, context.path)
        for context in iter_route_contexts(create_app(settings).routes)
        for method in context.methods or set()
    }
    proxied = {("GET", prefix) for prefix in [*settings.routes, *settings.role_groups]}
    public = {
        (method, path.removesuffix("/**"))
        for method, path in (entry.split(" ", 1) for entry in settings.public_routes)
    }
    assert own | proxied | public == set(MATRIX)


def _tokens(stack: Stack) -> dict[str, dict[str, str]]:
    return {
        "anonymous": {},
        **{role: bearer(stack.key.token(roles=[role])) for role in ROLES[1:5]},
        "service": bearer(stack.key.token(roles=["service"])),
        "service+scopes": bearer(
            stack.key.token(roles=["service"], scope="commands:reserve sessions:read")
        ),
    }


@pytest.mark.parametrize("route", sorted(MATRIX), ids=" ".join)
async def test_each_role_gets_what_the_matrix_says(
    stack: Stack, gateway: httpx.AsyncClient, route: tuple[str, str]
) -> None:
    method, path = route
    got: dict[str, object] = {}
    for role, headers in _tokens(stack).items():
        response = await gateway.request(method, path, headers=headers)
        got[role] = response.status_code if response.status_code in (401, 403) else PASSED
    assert got == MATRIX[route]
