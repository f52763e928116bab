"""Identity's role matrix (README, "Role matrix"): every route, every role.

The routes are enumerated from the app itself: a new route without an entry here fails
`test_every_route_has_a_matrix_entry`. For each route, one request per role, against objects
of *another* driver (so "driver: own only" shows as 404), expecting the status class written
in the matrix: "ok" (2xx), 401, 403 or 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from shared.auth.scopes import KNOWN_SCOPES
from tests.helpers.roles import ROLES, expect
from tests.helpers.stack import unique
from tests.identity.conftest import (
    PASSWORD,
    Account,
    Identity,
    create_account,
    create_client,
    login,
    token_for,
)

IDENTITY_SETTINGS: dict[str, Any] = {
    # Many accounts per test: cheap hashing (the cost is tested elsewhere).
    "argon2_time_cost": 1,
    "argon2_memory_kib": 8192,
    "argon2_parallelism": 1,
}

OK = "ok"


EVERYONE = expect(OK)
USERS = expect(OK, anonymous=401, service=403, service_scopes=403)
ADMIN = expect(403, anonymous=401, admin=OK)
# Staff, and a service account holding the scope the route names.
STAFF_OR_SCOPE = expect(OK, anonymous=401, driver=403, service=403)
# Another driver's object: staff see it, a driver is told it does not exist.
SEE_OTHERS = expect(OK, anonymous=401, driver=404, service=404)
# Manage another driver's object: operators and admins only.
MANAGE_OTHERS = expect(403, anonymous=401, driver=404, service=404, operator=OK, admin=OK)


@dataclass
class World:
    """One request's setting: the identity, its admin, and a driver whose objects are the target."""

    identity: Identity
    target: Account

    @property
    def http(self) -> httpx.AsyncClient:
        return self.identity.http

    async def target_token(self) -> str:
        created = await self.http.post(
            "/v1/id-tokens",
            json={"kind": "rfid", "uid": uuid.uuid4().hex[:16], "user_id": self.target.id},
            headers=self.identity.admin,
        )
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    async def client(self) -> dict[str, Any]:
        return await create_client(self.identity, "matrix")


Call = Callable[[World, dict[str, str], Account | None], Awaitable[httpx.Response]]


def get(path: str) -> Call:
    async def call(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
        return await world.http.get(path, headers=headers)

    return call


async def _register(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    body = {"email": f"{unique('m')}@example.com", "password": PASSWORD}
    return await world.http.post("/v1/auth/register", json=body, headers=headers)


async def _login(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    body = {"email": world.target.email, "password": PASSWORD}
    return await world.http.post("/v1/auth/login", json=body, headers=headers)


async def _refresh(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    fresh = await login(world.http, world.target.email, PASSWORD)
    body = {"refresh_token": fresh["refresh_token"]}
    return await world.http.post("/v1/auth/refresh", json=body, headers=headers)


async def _logout(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    fresh = await login(world.http, world.target.email, PASSWORD)
    body = {"refresh_token": fresh["refresh_token"]}
    return await world.http.post("/v1/auth/logout", json=body, headers=headers)


async def _password(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    body = {"current_password": PASSWORD, "new_password": PASSWORD + " again"}
    return await world.http.post("/v1/auth/password", json=body, headers=headers)


async def _client_token(
    world: World, headers: dict[str, str], me: Account | None
) -> httpx.Response:
    client = await world.client()
    form = {
        "grant_type": "client_credentials",
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
    }
    return await world.http.post("/v1/auth/token", data=form, headers=headers)


async def _create_client(
    world: World, headers: dict[str, str], me: Account | None
) -> httpx.Response:
    body = {"name": "matrix", "scopes": ["sessions:read"]}
    return await world.http.post("/v1/auth/clients", json=body, headers=headers)


def _client_status(action: str) -> Call:
    async def call(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
        client = await world.client()
        return await world.http.post(f"/v1/auth/clients/{client['id']}/{action}", headers=headers)

    return call


async def _rotate(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    return await world.http.post("/v1/auth/keys/rotate", headers=headers)


async def _patch_me(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    return await world.http.patch("/v1/users/me", json={"display_name": "M"}, headers=headers)


async def _delete_me(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    return await world.http.request(
        "DELETE", "/v1/users/me", json={"password": PASSWORD}, headers=headers
    )


async def _create_user(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    body = {"email": f"{unique('m')}@example.com", "password": PASSWORD, "roles": ["support"]}
    return await world.http.post("/v1/users", json=body, headers=headers)


async def _read_user(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    return await world.http.get(f"/v1/users/{world.target.id}", headers=headers)


async def _set_roles(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    return await world.http.put(
        f"/v1/users/{world.target.id}/roles", json={"roles": ["driver"]}, headers=headers
    )


def _user_status(action: str) -> Call:
    async def call(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
        return await world.http.post(f"/v1/users/{world.target.id}/{action}", headers=headers)

    return call


async def _register_card(
    world: World, headers: dict[str, str], me: Account | None
) -> httpx.Response:
    body = {"kind": "rfid", "uid": uuid.uuid4().hex[:16]}
    return await world.http.post("/v1/id-tokens", json=body, headers=headers)


async def _decision(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    return await world.http.get("/v1/id-tokens/decisions/ABCDEF01", headers=headers)


def _on_token(method: str, suffix: str = "", body: dict[str, Any] | None = None) -> Call:
    async def call(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
        token_id = await world.target_token()
        return await world.http.request(
            method, f"/v1/id-tokens/{token_id}{suffix}", json=body, headers=headers
        )

    return call


def _post(path: str, body: dict[str, Any]) -> Call:
    async def call(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
        return await world.http.post(path, json=body, headers=headers)

    return call


async def _issue_mail(world: World, headers: dict[str, str], me: Account | None) -> httpx.Response:
    mail_id = await world.identity.db.fetchval(
        "select id from account_mails where user_id = $1", uuid.UUID(world.target.id)
    )
    return await world.http.post(f"/v1/account-mails/{mail_id}/issue", headers=headers)


BAD_LINK = {"token": "not-a-link-token"}

# (method, path) -> (how to call it, expected outcome per role)
MATRIX: dict[tuple[str, str], tuple[Call, dict[str, object]]] = {
    ("GET", "/openapi.json"): (get("/openapi.json"), EVERYONE),
    ("GET", "/docs"): (get("/docs"), EVERYONE),
    ("GET", "/docs/oauth2-redirect"): (get("/docs/oauth2-redirect"), EVERYONE),
    ("GET", "/redoc"): (get("/redoc"), EVERYONE),
    ("GET", "/healthz"): (get("/healthz"), EVERYONE),
    ("GET", "/readyz"): (get("/readyz"), EVERYONE),
    # Services are not reachable from outside (the gateway routes only /v1/...); Prometheus
    # scrapes them inside the cluster.
    ("GET", "/metrics"): (get("/metrics"), EVERYONE),
    ("GET", "/.well-known/jwks.json"): (get("/.well-known/jwks.json"), EVERYONE),
    ("POST", "/v1/auth/register"): (_register, EVERYONE),
    ("POST", "/v1/auth/login"): (_login, EVERYONE),
    ("POST", "/v1/auth/refresh"): (_refresh, EVERYONE),
    ("POST", "/v1/auth/logout"): (_logout, EVERYONE),
    ("POST", "/v1/auth/token"): (_client_token, EVERYONE),
    ("POST", "/v1/auth/password"): (_password, USERS),
    # Public: the link's token is the credential (a wrong one is 422 for anyone).
    ("POST", "/v1/auth/verify-email"): (_post("/v1/auth/verify-email", BAD_LINK), expect(422)),
    ("POST", "/v1/auth/verify-email/resend"): (_post("/v1/auth/verify-email/resend", {}), USERS),
    ("POST", "/v1/auth/password-reset"): (
        _post("/v1/auth/password-reset", {"email": "someone@example.com"}),
        EVERYONE,
    ),
    ("POST", "/v1/auth/password-reset/confirm"): (
        _post("/v1/auth/password-reset/confirm", {**BAD_LINK, "new_password": "x" * 20}),
        expect(422),
    ),
    # Only notifications' service account (scope account-mails:issue); never via the gateway.
    ("POST", "/v1/account-mails/{mail_id}/issue"): (
        _issue_mail,
        expect(403, anonymous=401, service_scopes=OK),
    ),
    ("POST", "/v1/auth/clients"): (_create_client, ADMIN),
    ("GET", "/v1/auth/clients"): (get("/v1/auth/clients"), ADMIN),
    ("POST", "/v1/auth/clients/{account_id}/disable"): (_client_status("disable"), ADMIN),
    ("POST", "/v1/auth/clients/{account_id}/enable"): (_client_status("enable"), ADMIN),
    ("GET", "/v1/auth/keys"): (get("/v1/auth/keys"), ADMIN),
    ("POST", "/v1/auth/keys/rotate"): (_rotate, ADMIN),
    ("GET", "/v1/users/audit-log"): (get("/v1/users/audit-log"), ADMIN),
    ("GET", "/v1/users/me"): (get("/v1/users/me"), USERS),
    ("PATCH", "/v1/users/me"): (_patch_me, USERS),
    ("DELETE", "/v1/users/me"): (_delete_me, USERS),
    ("GET", "/v1/users"): (get("/v1/users"), STAFF_OR_SCOPE),  # scope users:read
    ("POST", "/v1/users"): (_create_user, ADMIN),
    ("GET", "/v1/users/{user_id}"): (_read_user, SEE_OTHERS),  # scope users:read
    ("PUT", "/v1/users/{user_id}/roles"): (
        _set_roles,
        expect(403, anonymous=401, driver=404, service=404, admin=OK),
    ),
    ("POST", "/v1/users/{user_id}/disable"): (_user_status("disable"), MANAGE_OTHERS),
    ("POST", "/v1/users/{user_id}/enable"): (_user_status("enable"), MANAGE_OTHERS),
    ("POST", "/v1/id-tokens"): (_register_card, USERS),
    ("GET", "/v1/id-tokens"): (get("/v1/id-tokens"), expect(OK, anonymous=401, service=403)),
    ("GET", "/v1/id-tokens/decisions/{uid}"): (_decision, STAFF_OR_SCOPE),  # id-tokens:read
    ("GET", "/v1/id-tokens/{token_id}"): (_on_token("GET"), SEE_OTHERS),
    ("PATCH", "/v1/id-tokens/{token_id}"): (_on_token("PATCH", body={"label": "x"}), MANAGE_OTHERS),
    ("POST", "/v1/id-tokens/{token_id}/block"): (_on_token("POST", "/block"), MANAGE_OTHERS),
    ("POST", "/v1/id-tokens/{token_id}/unblock"): (_on_token("POST", "/unblock"), MANAGE_OTHERS),
    ("DELETE", "/v1/id-tokens/{token_id}"): (_on_token("DELETE"), MANAGE_OTHERS),
}


def test_every_route_has_a_matrix_entry(identity: Identity) -> None:
    routes = {
        (method, context.path)
        for context in iter_route_contexts(identity.app.routes)
        for method in (context.methods or set()) - {"HEAD"}
    }
    assert routes == set(MATRIX), (
        f"without an entry: {sorted(routes - set(MATRIX))}; "
        f"no longer routes: {sorted(set(MATRIX) - routes)}"
    )


async def _callers(identity: Identity) -> dict[str, tuple[dict[str, str], Account | None]]:
    """A fresh caller per role (some routes change or delete the caller's own account)."""
    callers: dict[str, tuple[dict[str, str], Account | None]] = {"anonymous": ({}, None)}
    driver = await create_account(identity)
    callers["driver"] = (driver.headers, driver)
    for role in ("support", "operator", "admin"):
        account = await create_account(identity, roles=[role])
        callers[role] = (account.headers, account)
    for role, scopes in (("service", []), ("service+scopes", sorted(KNOWN_SCOPES))):
        client = await create_client(identity, "caller", scopes)
        token = await token_for(identity, client["client_id"], client["client_secret"])
        callers[role] = (identity.auth(token.json()["access_token"]), None)
    return callers


def _outcome(response: httpx.Response) -> object:
    return OK if response.status_code < 300 else response.status_code


# Routes that change the caller's own account get callers of their own.
CALLER_CHANGING = {("POST", "/v1/auth/password"), ("DELETE", "/v1/users/me")}


@pytest.fixture(scope="module")
async def callers(identity: Identity) -> dict[str, tuple[dict[str, str], Account | None]]:
    return await _callers(identity)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=" ".join)
async def test_each_role_gets_what_the_matrix_says(
    identity: Identity,
    callers: dict[str, tuple[dict[str, str], Account | None]],
    route: tuple[str, str],
) -> None:
    call, expected = MATRIX[route]
    if route in CALLER_CHANGING:
        callers = await _callers(identity)
    world = World(identity, await create_account(identity))
    got: dict[str, object] = {}
    for role in ROLES:
        headers, account = callers[role]
        got[role] = _outcome(await call(world, headers, account))
    assert got == expected
