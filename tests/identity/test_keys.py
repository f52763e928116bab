"""Signing keys: the JWKS, encrypted storage, rotation that keeps old tokens verifiable,
the bootstrap admin and the key surviving a restart."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
from jose import jwt

from services.identity.app import create_app
from shared.auth.jwt import JwksClient, TokenVerifier
from shared.problems import Unauthenticated
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, serve, wait_until_ready
from tests.identity.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Identity,
    create_account,
    identity_settings,
    login,
)


def verifier_for(identity: Identity) -> tuple[TokenVerifier, JwksClient]:
    """What another service does: verify against identity's JWKS fetched over HTTP."""
    jwks = JwksClient(f"{identity.url}/.well-known/jwks.json", min_refetch_interval=0)
    return TokenVerifier(jwks, issuer="ladda-identity", audience="ladda"), jwks


async def test_the_jwks_publishes_public_keys_only(identity: Identity) -> None:
    response = await identity.http.get("/.well-known/jwks.json")
    assert response.status_code == 200 and "max-age" in response.headers["cache-control"]
    keys = response.json()["keys"]
    assert keys and all(
        k["kty"] == "EC" and k["crv"] == "P-256" and k["alg"] == "ES256" for k in keys
    )
    assert all("d" not in k for k in keys)  # no private component, ever
    pem = await identity.db.fetchval("select private_pem_encrypted from signing_keys limit 1")
    assert b"ENCRYPTED PRIVATE KEY" in bytes(pem)


async def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(
    identity: Identity,
) -> None:
    account = await create_account(identity)
    old_kid = jwt.get_unverified_header(account.access_token)["kid"]
    verifier, jwks = verifier_for(identity)
    try:
        rotated = await identity.http.post("/v1/auth/keys/rotate", headers=identity.admin)
        assert rotated.status_code == 201
        new_kid = rotated.json()["kid"]
        assert rotated.json()["retired_kid"] == old_kid and new_kid != old_kid

        published = {
            k["kid"] for k in (await identity.http.get("/.well-known/jwks.json")).json()["keys"]
        }
        assert {old_kid, new_kid} <= published
        # A token signed before the rotation still works, in identity and elsewhere.
        assert (await identity.http.get("/v1/users/me", headers=account.headers)).status_code == 200
        assert (await verifier.verify(account.access_token)).subject == account.id

        fresh = await login(identity.http, account.email, account.password)
        assert jwt.get_unverified_header(fresh["access_token"])["kid"] == new_kid
        assert (await verifier.verify(fresh["access_token"])).subject == account.id

        listed = await identity.http.get("/v1/auth/keys", headers=identity.admin)
        by_kid = {k["kid"]: k for k in listed.json()}
        assert by_kid[new_kid]["active"] and not by_kid[old_kid]["active"]
        assert by_kid[old_kid]["published_until"] is not None
        assert "private_pem_encrypted" not in listed.text

        # Once every token it signed has expired, the old key leaves the JWKS for good.
        await identity.db.execute(
            "update signing_keys set published_until = now() - interval '1 second' where kid = $1",
            old_kid,
        )
        published = {
            k["kid"] for k in (await identity.http.get("/.well-known/jwks.json")).json()["keys"]
        }
        assert old_kid not in published and new_kid in published
        newcomer, newcomer_jwks = verifier_for(identity)
        try:
            try:
                await newcomer.verify(account.access_token)
                raise AssertionError("a token of an unpublished key was accepted")
            except Unauthenticated as refused:
                assert "unknown key" in refused.detail
        finally:
            await newcomer_jwks.aclose()
    finally:
        await jwks.aclose()
    rows = await identity.db.fetch(
        "select action from audit_log where action = 'signing_key.rotated' and subject_id = $1",
        new_kid,
    )
    assert len(rows) == 1


async def test_a_restart_keeps_the_key_and_the_bootstrap_admin_once(identity: Identity) -> None:
    before = await identity.http.get("/.well-known/jwks.json")
    account = await create_account(identity)
    # A second replica on the same database: same key, no second admin, same tokens accepted.
    replica = create_app(identity_settings(identity.dsn))
    async with serve(replica) as url:
        await wait_until_ready(url)
        async with httpx.AsyncClient(base_url=url) as http:
            after = await http.get("/.well-known/jwks.json")
            assert after.json() == before.json()
            me = await http.get("/v1/users/me", headers=account.headers)
            assert me.status_code == 200
            admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
            assert jwt.get_unverified_claims(admin["access_token"])["roles"] == ["admin"]
    admins = await identity.db.fetchval(
        "select count(*) from users where lower(email) = lower($1)", ADMIN_EMAIL
    )
    assert admins == 1
    active = await identity.db.fetchval(
        "select count(*) from signing_keys where retired_at is null"
    )
    assert active == 1


async def test_keys_rotate_on_schedule(identity: Identity) -> None:
    before = await identity.db.fetchval("select kid from signing_keys where retired_at is null")
    # A replica whose rotation period has long passed rotates in its maintenance loop.
    replica = create_app(identity_settings(identity.dsn, signing_key_rotation_s=1))
    async with serve(replica) as url:
        await wait_until_ready(url)
        await eventually(lambda: _active_kid_differs(identity, before), timeout=15)
    await asyncio.sleep(0)
    still_published = {
        k["kid"] for k in (await identity.http.get("/.well-known/jwks.json")).json()["keys"]
    }
    assert before in still_published


async def _active_kid_differs(identity: Identity, kid: str) -> bool:
    current = await identity.db.fetchval("select kid from signing_keys where retired_at is null")
    return current is not None and current != kid


async def test_replicas_starting_together_make_one_key_and_one_admin() -> None:
    dsn = await fresh_database("test_identity_keys_together")
    first, second = create_app(identity_settings(dsn)), create_app(identity_settings(dsn))
    async with serve(first) as url_1, serve(second) as url_2:
        await asyncio.gather(wait_until_ready(url_1), wait_until_ready(url_2))
        async with httpx.AsyncClient() as http:
            jwks = [
                (await http.get(f"{url}/.well-known/jwks.json")).json() for url in (url_1, url_2)
            ]
    assert jwks[0] == jwks[1] and len(jwks[0]["keys"]) == 1
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("select count(*) from users") == 1
        assert await conn.fetchval("select count(*) from signing_keys") == 1
    finally:
        await conn.close()
