"""The shared TokenVerifier (used by every service and the gateway) refuses forged tokens.

Keys are real ES256 keys held in a small in-memory key source; only the verifier is under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwt

from services.identity.keys.service import public_jwk
from shared.auth.jwt import Principal, TokenVerifier
from shared.problems import Unauthenticated

ISSUER, AUDIENCE = "ladda-identity", "ladda"


class StaticKeys:
    def __init__(self, *keys: dict[str, Any]) -> None:
        self.keys = {key["kid"]: key for key in keys}

    async def key_for(self, kid: str) -> dict[str, Any] | None:
        return self.keys.get(kid)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def segment(data: dict[str, Any]) -> str:
    return b64(json.dumps(data, separators=(",", ":")).encode())


@pytest.fixture(scope="module")
def signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def jwk(signing_key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    return public_jwk(signing_key)


@pytest.fixture(scope="module")
def verifier(jwk: dict[str, Any]) -> TokenVerifier:
    return TokenVerifier(StaticKeys(jwk), issuer=ISSUER, audience=AUDIENCE)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "3f0c1b9e-0000-4000-8000-000000000001",
        "roles": ["driver"],
        "iat": now,
        "exp": now + 600,
        "jti": "j1",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def sign(key: ec.EllipticCurvePrivateKey, kid: str, **overrides: Any) -> str:
    token: str = jwt.encode(claims(**overrides), key, algorithm="ES256", headers={"kid": kid})
    return token


async def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(token)
    return caught.value.detail


async def test_a_well_formed_token_is_accepted(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    principal = await verifier.verify(sign(signing_key, jwk["kid"], roles=["driver", "admin"]))
    assert principal == Principal(
        subject="3f0c1b9e-0000-4000-8000-000000000001",
        roles=frozenset({"driver", "admin"}),
        token_id="j1",
    )


async def test_alg_none_is_refused(verifier: TokenVerifier, jwk: dict[str, Any]) -> None:
    token = segment({"alg": "none", "typ": "JWT", "kid": jwk["kid"]}) + "." + segment(claims())
    assert "algorithm" in await refused(verifier, token + ".")
    assert await refused(verifier, token + "." + b64(b"anything"))


async def test_hs256_signed_with_the_public_key_as_secret_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    # The classic key-confusion attack: the public key (which anyone can fetch) as HMAC secret.
    public_pem = signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for secret in (public_pem, json.dumps(jwk).encode()):
        signing_input = segment({"alg": "HS256", "typ": "JWT", "kid": jwk["kid"]}) + "."
        signing_input += segment(claims(roles=["admin"]))
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert "algorithm" in await refused(verifier, signing_input + "." + b64(mac))


async def test_other_asymmetric_algorithms_are_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    header = segment({"alg": "ES384", "typ": "JWT", "kid": jwk["kid"]})
    assert "algorithm" in await refused(verifier, header + "." + segment(claims()) + ".c2ln")


async def test_wrong_audience_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    assert await refused(verifier, sign(signing_key, jwk["kid"], aud="another-platform"))


async def test_missing_audience_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    assert await refused(verifier, sign(signing_key, jwk["kid"], aud=None))


async def test_wrong_issuer_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    assert await refused(verifier, sign(signing_key, jwk["kid"], iss="someone-else"))


async def test_missing_issuer_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    assert await refused(verifier, sign(signing_key, jwk["kid"], iss=None))


async def test_unknown_kid_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    assert "unknown key" in await refused(verifier, sign(signing_key, "not-a-published-kid"))


async def test_missing_kid_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    token: str = jwt.encode(claims(), signing_key, algorithm="ES256")
    assert "unknown key" in await refused(verifier, token)


async def test_a_key_that_is_not_published_cannot_sign_for_a_published_kid(
    verifier: TokenVerifier, jwk: dict[str, Any]
) -> None:
    attacker = ec.generate_private_key(ec.SECP256R1())
    assert await refused(verifier, sign(attacker, jwk["kid"]))


async def test_tampered_payload_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    header, _, signature = sign(signing_key, jwk["kid"]).split(".")
    escalated = segment(claims(roles=["admin"]))
    assert "not valid" in await refused(verifier, f"{header}.{escalated}.{signature}")


async def test_tampered_header_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    _, payload, signature = sign(signing_key, jwk["kid"]).split(".")
    header = segment({"alg": "ES256", "typ": "JWT", "kid": jwk["kid"], "x": 1})
    assert await refused(verifier, f"{header}.{payload}.{signature}")


async def test_expired_token_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    now = int(time.time())
    token = sign(signing_key, jwk["kid"], iat=now - 1200, exp=now - 300)
    assert "expired" in await refused(verifier, token)


async def test_token_without_expiry_is_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    assert await refused(verifier, sign(signing_key, jwk["kid"], exp=None))


async def test_roles_that_are_not_a_list_of_strings_are_refused(
    verifier: TokenVerifier, signing_key: ec.EllipticCurvePrivateKey, jwk: dict[str, Any]
) -> None:
    assert await refused(verifier, sign(signing_key, jwk["kid"], roles="admin"))


async def test_garbage_is_refused(verifier: TokenVerifier) -> None:
    for token in ("", "not-a-jwt", "a.b.c", "....."):
        assert await refused(verifier, token)
