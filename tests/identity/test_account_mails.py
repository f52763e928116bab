"""Account mails identity asks for (verification, reset, notices) and the contact details it
publishes for notifications: ids only on Kafka, links issued to a service account, single use."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from shared.events.identity import AccountMailRequested, ContactChanged
from shared.events.topics import IDENTITY_ACCOUNT_MAIL, IDENTITY_CONTACTS, IDENTITY_USERS
from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.identity.conftest import (
    PASSWORD,
    Identity,
    create_account,
    create_client,
    from_address,
    login,
    records_for_key,
    token_for,
    values_for_key,
)

MAILER_SECRET = "mailer-secret-" + "x" * 40
IDENTITY_SETTINGS: dict[str, Any] = {
    "bootstrap_clients": [
        {"client_id": "notifications", "secret": MAILER_SECRET, "scopes": ["account-mails:issue"]}
    ],
    "public_app_url": "https://app.example.test",
    "account_mail_cooldown_s": 3600,
}


@pytest.fixture(scope="module")
async def mailer(identity: Identity) -> dict[str, str]:
    """The notifications service's account, from the bootstrap settings."""
    response = await token_for(identity, "notifications", MAILER_SECRET)
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "account-mails:issue"
    return identity.auth(response.json()["access_token"])


async def _mails(identity: Identity, user_id: str, kind: str) -> list[str]:
    rows = await identity.db.fetch(
        "select id from account_mails where user_id = $1 and kind = $2 order by created_at",
        uuid.UUID(user_id),
        kind,
    )
    return [str(row["id"]) for row in rows]


async def _issue(identity: Identity, mailer: dict[str, str], mail_id: str) -> dict[str, Any]:
    response = await identity.http.post(f"/v1/account-mails/{mail_id}/issue", headers=mailer)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _token(link: str) -> str:
    return link.split("#token=", 1)[1]


async def test_registration_asks_for_a_verification_mail_with_ids_only_on_kafka(
    identity: Identity, mailer: dict[str, str]
) -> None:
    account = await create_account(identity, locale="sv", display_name="Greta")
    [mail_id] = await _mails(identity, account.id, "email-verification")

    async def requested() -> bool:
        return bool(await records_for_key(IDENTITY_ACCOUNT_MAIL, account.id))

    await eventually(requested)
    [envelope] = await records_for_key(IDENTITY_ACCOUNT_MAIL, account.id)
    event = envelope.payload(AccountMailRequested)
    assert (event.mail_id, event.kind) == (mail_id, "email-verification")
    assert account.email not in envelope.model_dump_json()

    issued = await _issue(identity, mailer, mail_id)
    assert (issued["to"], issued["locale"], issued["display_name"]) == (
        account.email,
        "sv",
        "Greta",
    )
    assert issued["link"].startswith("https://app.example.test/verify-email#token=")
    # Issuing again replaces the link: only the newest one verifies.
    newer = await _issue(identity, mailer, mail_id)
    stale = await identity.http.post(
        "/v1/auth/verify-email", json={"token": _token(issued["link"])}
    )
    assert stale.status_code == 422 and stale.json()["type"].endswith("invalid-link")
    verified = await identity.http.post(
        "/v1/auth/verify-email", json={"token": _token(newer["link"])}
    )
    assert verified.status_code == 204, verified.text
    me = await identity.http.get("/v1/users/me", headers=account.headers)
    assert me.json()["email_verified"] is True
    again = await identity.http.post("/v1/auth/verify-email", json={"token": _token(newer["link"])})
    assert again.status_code == 422
    gone = await identity.http.post(f"/v1/account-mails/{mail_id}/issue", headers=mailer)
    assert gone.status_code == 410


async def test_only_a_service_account_with_the_scope_may_issue_a_mail(
    identity: Identity, mailer: dict[str, str]
) -> None:
    account = await create_account(identity)
    [mail_id] = await _mails(identity, account.id, "email-verification")
    own = await identity.http.post(f"/v1/account-mails/{mail_id}/issue", headers=account.headers)
    assert own.status_code == 403
    admin = await identity.http.post(f"/v1/account-mails/{mail_id}/issue", headers=identity.admin)
    assert admin.status_code == 403
    client = await create_client(identity, name="reader", scopes=["users:read"])
    token = (await token_for(identity, client["client_id"], client["client_secret"])).json()
    other = await identity.http.post(
        f"/v1/account-mails/{mail_id}/issue", headers=identity.auth(token["access_token"])
    )
    assert other.status_code == 403
    unknown = await identity.http.post(
        "/v1/account-mails/00000000-0000-4000-8000-000000000000/issue", headers=mailer
    )
    assert unknown.status_code == 404


async def test_password_reset_end_to_end_single_use_and_the_same_answer_for_anyone(
    identity: Identity, mailer: dict[str, str]
) -> None:
    account = await create_account(identity)
    unknown = await identity.http.post(
        "/v1/auth/password-reset", json={"email": f"{unique('nobody')}@example.com"}
    )
    known = await identity.http.post("/v1/auth/password-reset", json={"email": account.email})
    assert (unknown.status_code, unknown.content) == (known.status_code, known.content)
    assert known.status_code == 202
    # Within the cooldown a second request sends no second mail.
    await identity.http.post("/v1/auth/password-reset", json={"email": account.email.upper()})
    [mail_id] = await _mails(identity, account.id, "password-reset")

    issued = await _issue(identity, mailer, mail_id)
    assert issued["link"].startswith("https://app.example.test/reset-password#token=")
    token = _token(issued["link"])
    stored = await identity.db.fetchval(
        "select count(*) from account_mails where token_hash = convert_to($1, 'UTF8')", token
    )
    assert stored == 0  # only a hash is kept
    new_password = "a brand new passphrase 42"
    reset = await identity.http.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": new_password}
    )
    assert reset.status_code == 204, reset.text
    await login(identity.http, account.email, new_password)
    old = await identity.http.post(
        "/v1/auth/login", json={"email": account.email, "password": PASSWORD}
    )
    assert old.status_code == 401
    refreshed = await identity.http.post(
        "/v1/auth/refresh", json={"refresh_token": account.refresh_token}
    )
    assert refreshed.status_code == 401  # every earlier session ended
    twice = await identity.http.post(
        "/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "yet another one 43"},
    )
    assert twice.status_code == 422
    assert await _mails(identity, account.id, "password-changed")
    me = await identity.http.get(
        "/v1/users/me",
        headers=identity.auth(
            (await login(identity.http, account.email, new_password))["access_token"]
        ),
    )
    assert me.json()["email_verified"] is True  # the reset proved the mailbox


async def test_a_sign_in_from_a_new_address_asks_for_a_notice_the_first_one_does_not(
    identity: Identity,
) -> None:
    email = f"{unique('traveller')}@example.com"
    response = await identity.http.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD}, headers=from_address()
    )
    user_id = response.json()["id"]
    home = {"X-Forwarded-For": "198.51.100.10"}
    for _ in range(2):
        assert (
            await identity.http.post(
                "/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=home
            )
        ).status_code == 200
    assert await _mails(identity, user_id, "new-sign-in") == []
    away = {"X-Forwarded-For": "203.0.113.99"}
    await identity.http.post(
        "/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=away
    )
    assert len(await _mails(identity, user_id, "new-sign-in")) == 1


async def test_contacts_are_published_and_a_deleted_account_leaves_a_tombstone(
    identity: Identity,
) -> None:
    account = await create_account(identity, display_name="Ada")
    renamed = await identity.http.patch(
        "/v1/users/me", json={"display_name": "Ada L", "locale": "sv"}, headers=account.headers
    )
    assert renamed.status_code == 200 and renamed.json()["locale"] == "sv"

    async def contacts() -> bool:
        return len(await values_for_key(IDENTITY_CONTACTS, account.id)) >= 2

    await eventually(contacts)
    values = await values_for_key(IDENTITY_CONTACTS, account.id)
    latest = json.loads(values[-1] or b"{}")
    contact = ContactChanged.model_validate(latest["data"])
    assert (contact.email, contact.display_name, contact.locale) == (account.email, "Ada L", "sv")

    deleted = await identity.http.request(
        "DELETE", "/v1/users/me", json={"password": PASSWORD}, headers=account.headers
    )
    assert deleted.status_code == 204

    async def tombstone() -> bool:
        return (await values_for_key(IDENTITY_CONTACTS, account.id))[-1] is None

    await eventually(tombstone)
    # The long-lived users topic never carried the address.
    for value in await values_for_key(IDENTITY_USERS, account.id):
        assert value is None or account.email.encode() not in value
