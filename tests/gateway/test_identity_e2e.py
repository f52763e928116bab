"""End to end through the real identity service: register, log in and call as that user.

The gateway verifies identity's own ES256 tokens against identity's live JWKS; nothing in this
test signs a token itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from gateway.app import create_app
from gateway.settings import GatewaySettings
from services.identity.app import create_app as create_identity
from services.identity.settings import Settings as IdentitySettings
from tests.helpers.stack import free_port, fresh_database, serve, unique, wait_until_ready


@pytest.fixture(scope="module")
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    jwks_url = f"http://127.0.0.1:{port}/.well-known/jwks.json"
    identity = create_identity(
        IdentitySettings(
            database_url=SecretStr(await fresh_database("test_gw_identity_e2e")),
            consumer_group_suffix=unique("t"),
            signing_key_passphrase=SecretStr("test-passphrase"),
            # Cheap hashing for tests; the cost is identity's concern, not the gateway's.
            argon2_time_cost=1,
            argon2_memory_kib=8192,
            argon2_parallelism=1,
            **{"LADDA_JWKS_URL": jwks_url},
        )
    )
    async with serve(identity, port=port) as identity_url:
        await wait_until_ready(identity_url, timeout=60)
        settings = GatewaySettings(
            jwks_url=jwks_url, upstream_identity=identity_url, log_format="console"
        )
        async with (
            serve(create_app(settings)) as url,
            httpx.AsyncClient(base_url=url, timeout=10) as client,
        ):
            yield client


async def test_register_login_and_read_own_profile_through_the_gateway(
    gateway: httpx.AsyncClient,
) -> None:
    email = f"{unique('driver')}@example.com"
    password = "correct horse battery staple"
    registered = await gateway.post(
        "/v1/auth/register", json={"email": email, "password": password}
    )
    assert registered.status_code == 201, registered.text
    login = await gateway.post("/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]

    me = await gateway.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["email"] == email
    assert me.headers["x-content-type-options"] == "nosniff"

    # Without the token the gateway refuses; a driver is refused at the operator-only areas.
    assert (await gateway.get("/v1/users/me")).status_code == 401
    alerts = await gateway.get("/v1/alerts", headers={"Authorization": f"Bearer {token}"})
    assert alerts.status_code == 403
    assert alerts.headers["content-type"] == "application/problem+json"


async def test_public_jwks_through_the_gateway(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys
    assert all(key["kty"] == "EC" and "d" not in key for key in keys)
