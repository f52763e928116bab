"""The shared TokenVerifier (used by every service and the gateway) refuses forged tokens.

Keys are real ES256 keys (`tests.helpers.tokens`) held in a small in-memory key source; only
the verifier is under test.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from jose import jwt

from shared.auth.jwt import JwksClient, Principal, TokenVerifier
from shared.auth.revocations import Revocations
from shared.problems import Unauthenticated
from tests.helpers.stack import serve
from tests.helpers.tokens import AUDIENCE, ISSUER, JwksServer, SigningKey, StaticKeys, claims


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey()


@pytest.fixture(scope="module")
def verifier(key: SigningKey) -> TokenVerifier:
    return TokenVerifier(StaticKeys(key), issuer=ISSUER, audience=AUDIENCE)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def segment(data: dict[str, Any]) -> str:
    return b64(json.dumps(data, separators=(",", ":")).encode())


SUBJECT = "3f0c1b9e-0000-4000-8000-000000000001"


def sign(key: SigningKey, kid: str | None = None, **overrides: Any) -> str:
    return key.sign(claims(SUBJECT, jti="j1", **overrides), kid=kid)


async def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(token)
    return caught.value.detail


async def test_a_well_formed_token_is_accepted(verifier: TokenVerifier, key: SigningKey) -> None:
    principal = await verifier.verify(sign(key, roles=["driver", "admin"]))
    assert principal == Principal(
        subject=SUBJECT,
        roles=frozenset({"driver", "admin"}),
        token_id="j1",
        issued_at=principal.issued_at,
    )
    assert abs(principal.issued_at - time.time()) < 5


async def test_alg_none_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    token = segment({"alg": "none", "typ": "JWT", "kid": key.kid}) + "." + segment(claims())
    assert "algorithm" in await refused(verifier, token + ".")
    assert await refused(verifier, token + "." + b64(b"anything"))


async def test_hs256_signed_with_the_public_key_as_secret_is_refused(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    # The classic key-confusion attack: the public key (which anyone can fetch) as HMAC secret.
    public_pem = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for secret in (public_pem, json.dumps(key.jwk).encode()):
        signing_input = segment({"alg": "HS256", "typ": "JWT", "kid": key.kid}) + "."
        signing_input += segment(claims(roles=["admin"]))
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert "algorithm" in await refused(verifier, signing_input + "." + b64(mac))


async def test_other_asymmetric_algorithms_are_refused(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    header = segment({"alg": "ES384", "typ": "JWT", "kid": key.kid})
    assert "algorithm" in await refused(verifier, header + "." + segment(claims()) + ".c2ln")


async def test_wrong_audience_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    assert await refused(verifier, sign(key, aud="another-platform"))


async def test_missing_audience_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    assert await refused(verifier, sign(key, aud=None))


async def test_wrong_issuer_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    assert await refused(verifier, sign(key, iss="someone-else"))


async def test_missing_issuer_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    assert await refused(verifier, sign(key, iss=None))


async def test_unknown_kid_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    assert "unknown key" in await refused(verifier, sign(key, "not-a-published-kid"))


async def test_missing_kid_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    token: str = jwt.encode(claims(), key.pem.decode(), algorithm="ES256")
    assert "unknown key" in await refused(verifier, token)


async def test_a_key_that_is_not_published_cannot_sign_for_a_published_kid(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    assert await refused(verifier, sign(SigningKey(), key.kid))


async def test_tampered_payload_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    header, _, signature = sign(key).split(".")
    escalated = segment(claims(roles=["admin"]))
    assert "not valid" in await refused(verifier, f"{header}.{escalated}.{signature}")


async def test_tampered_header_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    _, payload, signature = sign(key).split(".")
    header = segment({"alg": "ES256", "typ": "JWT", "kid": key.kid, "x": 1})
    assert await refused(verifier, f"{header}.{payload}.{signature}")


async def test_expired_token_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    now = int(time.time())
    token = sign(key, iat=now - 1200, exp=now - 300)
    assert "expired" in await refused(verifier, token)


async def test_token_without_expiry_is_refused(verifier: TokenVerifier, key: SigningKey) -> None:
    assert await refused(verifier, sign(key, exp=None))


async def test_roles_that_are_not_a_list_of_strings_are_refused(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    assert await refused(verifier, sign(key, roles="admin"))


async def test_garbage_is_refused(verifier: TokenVerifier) -> None:
    for token in ("", "not-a-jwt", "a.b.c", "....."):
        assert await refused(verifier, token)


# -- clock skew ------------------------------------------------------------------------------


async def test_a_token_from_a_clock_a_little_ahead_is_accepted(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    # identity's clock 5 s ahead of this verifier's: `nbf = iat = now + 5` (on main: 401).
    ahead = int(time.time()) + 5
    principal = await verifier.verify(sign(key, iat=ahead, nbf=ahead))
    assert principal.subject == SUBJECT


async def test_a_token_far_in_the_future_is_refused(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    later = int(time.time()) + 120
    assert "not valid yet" in await refused(verifier, sign(key, nbf=later))
    assert "not valid yet" in await refused(verifier, sign(key, iat=later))


async def test_expiry_has_no_leeway(verifier: TokenVerifier, key: SigningKey) -> None:
    now = int(time.time())
    assert "expired" in await refused(verifier, sign(key, iat=now - 600, exp=now - 2))


# -- scopes and revocations --------------------------------------------------------------------


async def test_the_scope_claim_becomes_the_principals_scopes(
    verifier: TokenVerifier, key: SigningKey
) -> None:
    principal = await verifier.verify(
        sign(key, roles=["service"], scope="commands:reserve sessions:read")
    )
    assert principal.scopes == {"commands:reserve", "sessions:read"}
    assert principal.is_service and not principal.is_staff


async def test_a_token_issued_before_a_revocation_is_refused_and_a_later_one_accepted(
    key: SigningKey,
) -> None:
    revocations = Revocations()
    verifier = TokenVerifier(
        StaticKeys(key), issuer=ISSUER, audience=AUDIENCE, revocations=revocations
    )
    now = time.time()
    before = sign(key, iat=round(now - 1.0, 3))
    after = sign(key, iat=round(now + 0.5, 3))
    assert (await verifier.verify(before)).subject == SUBJECT
    revocations.revoke(SUBJECT, now)
    assert "revoked" in await refused(verifier, before)
    assert (await verifier.verify(after)).subject == SUBJECT
    # Another subject is not concerned.
    assert await verifier.verify(key.sign(claims("someone-else", iat=round(now - 1.0, 3))))


# -- the JWKS cache ------------------------------------------------------------------------------


async def test_a_key_removed_from_the_jwks_is_dropped_after_the_ttl() -> None:
    old, new = SigningKey(), SigningKey()
    jwks = JwksServer(old, new)
    async with serve(jwks.app) as base:
        keys = JwksClient(f"{base}/.well-known/jwks.json", ttl=0.3, min_refetch_interval=0.1)
        verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE)
        try:
            assert await verifier.verify(old.token())
            jwks.keys = [new]  # identity stopped publishing the old key
            await asyncio.sleep(0.4)  # past the TTL (on main the old key stayed until restart)
            with pytest.raises(Unauthenticated):
                await verifier.verify(old.token())
            assert await verifier.verify(new.token())
        finally:
            await keys.aclose()


async def test_a_failed_jwks_refetch_keeps_the_last_good_keys() -> None:
    key = SigningKey()
    jwks = JwksServer(key)
    async with serve(jwks.app) as base:
        url = f"{base}/.well-known/jwks.json"
        keys = JwksClient(url, ttl=0.2, min_refetch_interval=0.1)
        verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE)
        assert await verifier.verify(key.token())
    # The server is gone now: the refetch after the TTL fails, the known key keeps working.
    await asyncio.sleep(0.3)
    try:
        assert await verifier.verify(key.token())
        assert keys.fetches >= 2
    finally:
        await keys.aclose()
