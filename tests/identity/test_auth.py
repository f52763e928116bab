"""/v1/auth against the real stack: registration, login, throttling, refresh rotation, logout."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx

from shared.auth.jwt import JwksClient, TokenVerifier
from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.identity.conftest import (
    PASSWORD,
    Identity,
    audit_actions,
    create_account,
    forge_token,
    from_address,
)


async def test_registration_creates_a_driver_and_reveals_no_secret(identity: Identity) -> None:
    email = f"{unique('new')}@example.com"
    response = await identity.http.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "display_name": "Ada"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == email and body["roles"] == ["driver"] and body["status"] == "active"
    assert not {"password", "password_hash"} & set(body)
    stored = await identity.db.fetchval(
        "select password_hash from users where id = $1::uuid", body["id"]
    )
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


async def test_duplicate_registration_is_refused_whatever_the_case_of_the_email(
    identity: Identity,
) -> None:
    email = f"{unique('dup')}@example.com"
    first = await identity.http.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert first.status_code == 201
    for variant in (email, email.upper(), email.capitalize()):
        again = await identity.http.post(
            "/v1/auth/register", json={"email": variant, "password": PASSWORD}
        )
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"
    # …and the first spelling logs in with any case.
    login = await identity.http.post(
        "/v1/auth/login", json={"email": email.upper(), "password": PASSWORD}
    )
    assert login.status_code == 200


async def test_weak_passwords_and_bad_emails_are_refused(identity: Identity) -> None:
    for password in ("short", "aaaaaaaaaaaa", "password123"):
        response = await identity.http.post(
            "/v1/auth/register",
            json={"email": f"{unique('weak')}@example.com", "password": password},
        )
        assert response.status_code == 422, password
    response = await identity.http.post(
        "/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD}
    )
    assert response.status_code == 422


async def test_login_issues_an_es256_token_every_service_can_verify(identity: Identity) -> None:
    account = await create_account(identity)
    response = await identity.http.post(
        "/v1/auth/login", json={"email": account.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] <= 900
    assert body["refresh_token"] and body["refresh_expires_in"] > 0

    # The shared verifier, fetching identity's JWKS over HTTP as other services do.
    jwks = JwksClient(f"{identity.url}/.well-known/jwks.json")
    try:
        verifier = TokenVerifier(jwks, issuer="ladda-identity", audience="ladda")
        principal = await verifier.verify(body["access_token"])
    finally:
        await jwks.aclose()
    assert principal.subject == account.id and principal.roles == {"driver"}
    assert principal.token_id

    from jose import jwt

    header = jwt.get_unverified_header(body["access_token"])
    claims = jwt.get_unverified_claims(body["access_token"])
    assert header["alg"] == "ES256" and header["kid"]
    assert claims["iss"] == "ladda-identity" and claims["aud"] == "ladda"
    assert 0 < claims["exp"] - claims["iat"] <= 900


async def test_wrong_password_and_unknown_email_get_the_same_answer_in_similar_time(
    identity: Identity,
) -> None:
    account = await create_account(identity)

    async def attempt(email: str) -> tuple[httpx.Response, float]:
        # A fresh address each time, so neither throttle gets in the way of the comparison.
        started = time.perf_counter()
        response = await identity.http.post(
            "/v1/auth/login",
            json={"email": email, "password": "not the password at all"},
            headers=from_address(),
        )
        return response, time.perf_counter() - started

    wrong, unknown = [], []
    for _ in range(4):  # below the per-account limit of 5
        wrong.append(await attempt(account.email))
        unknown.append(await attempt(f"{unique('nobody')}@example.com"))

    for response, _ in wrong + unknown:
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    assert {r.text for r, _ in wrong} == {r.text for r, _ in unknown}
    assert len({r.text for r, _ in wrong}) == 1
    # Both paths run one Argon2id verification; the medians stay within a factor of two.
    ratio = statistics.median(t for _, t in unknown) / statistics.median(t for _, t in wrong)
    assert 0.5 < ratio < 2.0, ratio
    assert ("login", "failure") in await audit_actions(identity, account.id)


async def test_failed_logins_lock_the_account_known_or_not(identity: Identity) -> None:
    account = await create_account(identity)
    unknown = f"{unique('ghost')}@example.com"
    for email in (account.email, unknown):
        for _ in range(5):
            response = await identity.http.post(
                "/v1/auth/login",
                json={"email": email, "password": "wrong-password-x"},
                headers=from_address(),
            )
            assert response.status_code == 401
        # Now locked, even with the right password and from another address.
        locked = await identity.http.post(
            "/v1/auth/login",
            json={"email": email, "password": PASSWORD},
            headers=from_address(),
        )
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0
        assert locked.json()["type"].endswith("/too-many-attempts")
    assert ("login.locked", "failure") in await audit_actions(identity, account.id)


async def test_failed_logins_lock_the_client_address(identity: Identity) -> None:
    account = await create_account(identity)
    address = from_address()
    for _ in range(20):  # many accounts tried from one address: credential stuffing
        response = await identity.http.post(
            "/v1/auth/login",
            json={"email": f"{unique('victim')}@example.com", "password": "guess-guess-1"},
            headers=address,
        )
        assert response.status_code == 401
    blocked = await identity.http.post(
        "/v1/auth/login", json={"email": account.email, "password": PASSWORD}, headers=address
    )
    assert blocked.status_code == 429
    elsewhere = await identity.http.post(
        "/v1/auth/login",
        json={"email": account.email, "password": PASSWORD},
        headers=from_address(),
    )
    assert elsewhere.status_code == 200


async def test_a_successful_login_is_audited_with_the_client_address(identity: Identity) -> None:
    account = await create_account(identity)
    await identity.http.post(
        "/v1/auth/login",
        json={"email": account.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.77"},
    )
    row = await identity.db.fetchrow(
        "select outcome, client_address, details::text from audit_log "
        "where action = 'login' and subject_id = $1 order by id desc limit 1",
        account.id,
    )
    assert row is not None
    assert row["outcome"] == "success" and row["client_address"] == "203.0.113.77"
    assert PASSWORD not in row["details"]


async def test_a_disabled_user_can_neither_log_in_nor_refresh_nor_use_a_token(
    identity: Identity,
) -> None:
    account = await create_account(identity)
    disabled = await identity.http.post(
        f"/v1/users/{account.id}/disable", json={"reason": "fraud"}, headers=identity.admin
    )
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"

    login = await identity.http.post(
        "/v1/auth/login", json={"email": account.email, "password": PASSWORD}
    )
    assert login.status_code == 403
    refresh = await identity.http.post(
        "/v1/auth/refresh", json={"refresh_token": account.refresh_token}
    )
    assert refresh.status_code == 401
    me = await identity.http.get("/v1/users/me", headers=account.headers)
    assert me.status_code == 401

    enabled = await identity.http.post(f"/v1/users/{account.id}/enable", headers=identity.admin)
    assert enabled.status_code == 200 and enabled.json()["status"] == "active"
    login = await identity.http.post(
        "/v1/auth/login", json={"email": account.email, "password": PASSWORD}
    )
    assert login.status_code == 200


async def test_an_expired_access_token_is_refused(identity: Identity) -> None:
    account = await create_account(identity)
    now = int(time.time())
    expired = await forge_token(
        identity,
        iss="ladda-identity",
        aud="ladda",
        sub=account.id,
        roles=["driver"],
        iat=now - 1000,
        exp=now - 100,
    )
    response = await identity.http.get("/v1/users/me", headers=identity.auth(expired))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"
    # The same token, still valid, is accepted: only the expiry was wrong.
    valid = await forge_token(
        identity,
        iss="ladda-identity",
        aud="ladda",
        sub=account.id,
        roles=["driver"],
        iat=now,
        exp=now + 60,
    )
    assert (
        await identity.http.get("/v1/users/me", headers=identity.auth(valid))
    ).status_code == 200


async def test_requests_without_a_token_or_with_garbage_are_refused(identity: Identity) -> None:
    assert (await identity.http.get("/v1/users/me")).status_code == 401
    garbage = await identity.http.get("/v1/users/me", headers=identity.auth("a.b.c"))
    assert garbage.status_code == 401


async def test_refresh_rotates_the_refresh_token(identity: Identity) -> None:
    account = await create_account(identity)
    response = await identity.http.post(
        "/v1/auth/refresh", json={"refresh_token": account.refresh_token}
    )
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["refresh_token"] != account.refresh_token
    me = await identity.http.get("/v1/users/me", headers=identity.auth(rotated["access_token"]))
    assert me.status_code == 200
    # Stored hashed: neither token appears in the table.
    hashes = await identity.db.fetch(
        "select encode(token_hash, 'hex') as h from refresh_tokens where user_id = $1::uuid",
        account.id,
    )
    assert len(hashes) == 2
    assert all(account.refresh_token not in row["h"] for row in hashes)


async def test_reusing_a_refresh_token_revokes_its_whole_family(identity: Identity) -> None:
    account = await create_account(identity)
    other_session = await identity.http.post(
        "/v1/auth/login", json={"email": account.email, "password": PASSWORD}
    )
    first = await identity.http.post(
        "/v1/auth/refresh", json={"refresh_token": account.refresh_token}
    )
    second_token = first.json()["refresh_token"]

    # The stolen copy of the first token is presented again: theft detected.
    reuse = await identity.http.post(
        "/v1/auth/refresh", json={"refresh_token": account.refresh_token}
    )
    assert reuse.status_code == 401
    # The legitimate holder's newer token died with its family…
    after = await identity.http.post("/v1/auth/refresh", json={"refresh_token": second_token})
    assert after.status_code == 401
    # …but the user's other login (another family) is untouched.
    other = await identity.http.post(
        "/v1/auth/refresh", json={"refresh_token": other_session.json()["refresh_token"]}
    )
    assert other.status_code == 200
    assert ("refresh.reuse_detected", "failure") in await audit_actions(identity, account.id)


async def test_concurrent_refreshes_with_one_token_let_only_one_through(
    identity: Identity,
) -> None:
    account = await create_account(identity)
    responses = await asyncio.gather(
        *(
            identity.http.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
            for _ in range(5)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 401, 401, 401, 401]


async def test_unknown_refresh_token_is_refused(identity: Identity) -> None:
    response = await identity.http.post("/v1/auth/refresh", json={"refresh_token": "made-up"})
    assert response.status_code == 401


async def test_logout_revokes_the_session(identity: Identity) -> None:
    account = await create_account(identity)
    response = await identity.http.post(
        "/v1/auth/logout", json={"refresh_token": account.refresh_token}
    )
    assert response.status_code == 204
    refresh = await identity.http.post(
        "/v1/auth/refresh", json={"refresh_token": account.refresh_token}
    )
    assert refresh.status_code == 401
    again = await identity.http.post(
        "/v1/auth/logout", json={"refresh_token": account.refresh_token}
    )
    assert again.status_code == 204
    assert ("logout", "success") in await audit_actions(identity, account.id)


async def test_changing_the_password_ends_other_sessions(identity: Identity) -> None:
    account = await create_account(identity)
    new_password = "a brand new passphrase"
    wrong = await identity.http.post(
        "/v1/auth/password",
        json={"current_password": "not-my-password", "new_password": new_password},
        headers=account.headers,
    )
    assert wrong.status_code == 403
    weak = await identity.http.post(
        "/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=account.headers,
    )
    assert weak.status_code == 422
    unauthenticated = await identity.http.post(
        "/v1/auth/password", json={"current_password": PASSWORD, "new_password": new_password}
    )
    assert unauthenticated.status_code == 401

    changed = await identity.http.post(
        "/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=account.headers,
    )
    assert changed.status_code == 204
    old = await identity.http.post(
        "/v1/auth/login",
        json={"email": account.email, "password": PASSWORD},
        headers=from_address(),
    )
    assert old.status_code == 401
    new = await identity.http.post(
        "/v1/auth/login", json={"email": account.email, "password": new_password}
    )
    assert new.status_code == 200
    refresh = await identity.http.post(
        "/v1/auth/refresh", json={"refresh_token": account.refresh_token}
    )
    assert refresh.status_code == 401
    assert ("password.change", "failure") in await audit_actions(identity, account.id)
    assert ("password.change", "success") in await audit_actions(identity, account.id)


async def test_housekeeping_drops_expired_refresh_tokens_and_finished_counters(
    identity: Identity,
) -> None:
    account = await create_account(identity)
    await identity.db.execute(
        "update refresh_tokens set expires_at = now() - interval '1 minute' "
        "where user_id = $1::uuid",
        account.id,
    )
    stale_key = unique("stale")
    await identity.db.execute(
        "insert into login_throttle (scope, key, failures, window_start) "
        "values ('account', $1, 3, now() - interval '1 day')",
        stale_key,
    )
    # The maintenance loop runs every 0.3 s in these tests.
    await eventually(
        lambda: _count(
            identity, "select count(*) from refresh_tokens where user_id = $1::uuid", account.id
        )
    )
    await eventually(
        lambda: _count(identity, "select count(*) from login_throttle where key = $1", stale_key)
    )


async def _count(identity: Identity, sql: str, arg: str) -> bool:
    """True once the query counts nothing."""
    count: int = await identity.db.fetchval(sql, arg)
    return count == 0
