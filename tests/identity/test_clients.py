"""Service accounts: admins create them, services trade client credentials for a token."""

from __future__ import annotations

from typing import get_args

from jose import jwt

from services.identity.clients.schemas import Scope
from shared.auth.jwt import JwksClient, TokenVerifier
from shared.auth.scopes import KNOWN_SCOPES
from tests.identity.conftest import Identity, create_account, create_client, token_for


async def test_a_service_trades_its_credentials_for_a_service_token(identity: Identity) -> None:
    client = await create_client(identity)
    assert client["client_secret"] and client["status"] == "active"
    response = await token_for(identity, client["client_id"], client["client_secret"])
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 900
    assert "refresh_token" not in body

    jwks = JwksClient(f"{identity.url}/.well-known/jwks.json")
    try:
        principal = await TokenVerifier(jwks, issuer="ladda-identity", audience="ladda").verify(
            body["access_token"]
        )
    finally:
        await jwks.aclose()
    assert principal.subject == client["id"] and principal.roles == {"service"}
    assert principal.is_service

    # A service account without scopes is not staff (on main it could list every user), and
    # it is not a user either.
    headers = identity.auth(body["access_token"])
    assert (await identity.http.get("/v1/users", headers=headers)).status_code == 403
    assert (
        await identity.http.get("/v1/id-tokens/decisions/AB12", headers=headers)
    ).status_code == 403
    assert (await identity.http.get("/v1/users/me", headers=headers)).status_code == 403
    assert (await identity.http.get("/v1/users/audit-log", headers=headers)).status_code == 403

    # The secret was shown once; the list never shows it and the table keeps only a hash.
    listed = await identity.http.get("/v1/auth/clients", headers=identity.admin)
    assert client["client_secret"] not in listed.text
    assert client["id"] in {c["id"] for c in listed.json()}
    stored = await identity.db.fetchval(
        "select encode(secret_hash, 'escape') from service_accounts where id = $1::uuid",
        client["id"],
    )
    assert client["client_secret"] not in stored


async def test_json_token_requests_are_accepted_too(identity: Identity) -> None:
    client = await create_client(identity, "booking")
    response = await identity.http.post(
        "/v1/auth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )
    assert response.status_code == 200
    claims = jwt.get_unverified_claims(response.json()["access_token"])
    assert claims["roles"] == ["service"]


async def test_bad_client_credentials_get_one_answer(identity: Identity) -> None:
    client = await create_client(identity, "payment")
    wrong = await identity.http.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": "guess",
        },
    )
    unknown = await identity.http.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "guess"},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    unsupported = await identity.http.post(
        "/v1/auth/token", data={"grant_type": "password", "client_id": "x", "client_secret": "y"}
    )
    assert unsupported.status_code == 422
    missing = await identity.http.post("/v1/auth/token", data={"grant_type": "client_credentials"})
    assert missing.status_code == 422


async def test_scopes_come_from_the_known_set_and_travel_in_the_token(identity: Identity) -> None:
    client = await create_client(identity, "booking", scopes=["commands:reserve", "users:read"])
    assert client["scopes"] == ["commands:reserve", "users:read"]
    issued = await token_for(identity, client["client_id"], client["client_secret"])
    assert issued.status_code == 200  # type: ignore[attr-defined]
    body = issued.json()  # type: ignore[attr-defined]
    assert body["scope"] == "commands:reserve users:read"
    claims = jwt.get_unverified_claims(body["access_token"])
    assert claims["scope"] == "commands:reserve users:read"  # RFC 9068, space-separated
    # The scope it holds opens exactly that: users may be read, decisions may not.
    headers = identity.auth(body["access_token"])
    assert (await identity.http.get("/v1/users", headers=headers)).status_code == 200
    assert (
        await identity.http.get("/v1/id-tokens/decisions/AB12", headers=headers)
    ).status_code == 403

    # A client may ask for fewer scopes than it holds, never for more.
    fewer = await identity.http.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "scope": "commands:reserve",
        },
    )
    assert fewer.json()["scope"] == "commands:reserve"
    more = await identity.http.post(
        "/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "scope": "commands:reserve commands:start",
        },
    )
    assert more.status_code == 422 and more.json()["type"].endswith("/invalid-scope")
    unknown = await identity.http.post(
        "/v1/auth/clients",
        json={"name": "x", "scopes": ["everything"]},
        headers=identity.admin,
    )
    assert unknown.status_code == 422


def test_the_scope_enum_of_the_api_is_the_platforms_known_set() -> None:
    assert set(get_args(Scope)) == set(KNOWN_SCOPES)


async def test_a_disabled_service_account_gets_no_token_and_its_tokens_stop_working(
    identity: Identity,
) -> None:
    client = await create_client(identity, "analytics", scopes=["users:read"])
    issued = await token_for(identity, client["client_id"], client["client_secret"])
    headers = identity.auth(issued.json()["access_token"])
    disabled = await identity.http.post(
        f"/v1/auth/clients/{client['id']}/disable", headers=identity.admin
    )
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    again = await token_for(identity, client["client_id"], client["client_secret"])
    assert again.status_code == 401
    assert (await identity.http.get("/v1/users", headers=headers)).status_code == 401
    enabled = await identity.http.post(
        f"/v1/auth/clients/{client['id']}/enable", headers=identity.admin
    )
    assert enabled.json()["status"] == "active"
    missing = await identity.http.post(
        "/v1/auth/clients/00000000-0000-4000-8000-000000000000/disable", headers=identity.admin
    )
    assert missing.status_code == 404


async def test_only_admins_manage_service_accounts(identity: Identity) -> None:
    operator = await create_account(identity, roles=["operator"])
    assert (
        await identity.http.post("/v1/auth/clients", json={"name": "x"}, headers=operator.headers)
    ).status_code == 403
    assert (
        await identity.http.get("/v1/auth/clients", headers=operator.headers)
    ).status_code == 403
    bad_name = await identity.http.post(
        "/v1/auth/clients", json={"name": "Not A Slug!"}, headers=identity.admin
    )
    assert bad_name.status_code == 422
