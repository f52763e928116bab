"""End to end through the real identity service: register, log in and call as that user.

The gateway verifies identity's own ES256 tokens against identity's live JWKS; nothing in this
test signs a token itself.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from gateway.app import create_app
from gateway.settings import GatewaySettings
from services.identity.app import create_app as create_identity
from services.identity.settings import Settings as IdentitySettings
from tests.helpers.polling import eventually
from tests.helpers.stack import free_port, fresh_database, serve, unique, wait_until_ready

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@ladda.local", "bootstrap-admin-password-1"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    jwks_url = f"http://127.0.0.1:{port}/.well-known/jwks.json"
    identity = create_identity(
        IdentitySettings(
            database_url=SecretStr(await fresh_database("test_gw_identity_e2e")),
            consumer_group_suffix=unique("t"),
            signing_key_passphrase=SecretStr("test-passphrase"),
            bootstrap_admin_email=ADMIN_EMAIL,
            bootstrap_admin_password=SecretStr(ADMIN_PASSWORD),
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


async def _token(gateway: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    login = await gateway.post("/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def test_a_demoted_operator_loses_power_at_the_gateway_within_the_revocation_window(
    gateway: httpx.AsyncClient,
) -> None:
    admin = await _token(gateway, ADMIN_EMAIL, ADMIN_PASSWORD)
    email = f"{unique('operator')}@example.com"
    created = await gateway.post(
        "/v1/users",
        json={"email": email, "password": PASSWORD, "roles": ["operator"]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    operator = await _token(gateway, email, PASSWORD)
    # An operator-only area: the gateway lets the token through (whatever the service says).
    before = await gateway.get("/v1/alerts", headers=operator)
    assert before.status_code not in (401, 403), before.text

    demoted = await gateway.put(
        f"/v1/users/{created.json()['id']}/roles", json={"roles": ["driver"]}, headers=admin
    )
    assert demoted.status_code == 200
    started = time.monotonic()

    async def refused_as_revoked() -> bool:
        response = await gateway.get("/v1/alerts", headers=operator)
        return response.status_code == 401 and "revoked" in response.json()["detail"]

    # On main the old token kept operator power at the gateway until it expired (15 min).
    await eventually(refused_as_revoked, timeout=20, interval=0.02)
    window = time.monotonic() - started
    print(f"revocation window at the gateway: {window * 1000:.0f} ms")
    # A new token carries the new roles: the operator area is closed to a driver.
    again = await _token(gateway, email, PASSWORD)
    assert (await gateway.get("/v1/alerts", headers=again)).status_code == 403
