"""Account mails end to end with the real identity service: identity asks (ids only on Kafka),
notifications fetches the recipient and link with its bootstrap service account and mails them
to a real SMTP server; the links work once. A deleted account's address leaves notifications."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from services.identity.app import create_app as create_identity
from services.notifications.app import create_app as create_notifications
from tests.helpers import tokens as test_tokens
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, serve, unique, wait_until_ready
from tests.identity.conftest import PASSWORD, identity_settings
from tests.notifications.harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    SmtpServer,
    notifications_settings,
    start_groups_at_end,
)

APP_URL = "https://app.example.test"


class Platform:
    def __init__(self, identity: httpx.AsyncClient, smtp: SmtpServer, db: asyncpg.Pool) -> None:
        self.identity = identity
        self.smtp = smtp
        self.db = db  # notifications' database

    async def link_in_mail(self, address: str, path: str) -> str:
        pattern = re.compile(re.escape(f"{APP_URL}{path}#token=") + r"[A-Za-z0-9_-]+")

        def links() -> list[str]:
            found = []
            for mail in self.smtp.mails_to(address):
                body = mail.get_body(("plain",))
                if body is not None:
                    found += pattern.findall(body.get_content())
            return found

        async def arrived() -> bool:
            return bool(links())

        await eventually(arrived, timeout=60)
        return links()[-1].split("#token=", 1)[1]


@pytest.fixture(scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    smtp = SmtpServer(tmp_path_factory.mktemp("mail"))
    await smtp.start()
    identity_app = create_identity(
        identity_settings(
            await fresh_database("test_notify_e2e_identity"),
            bootstrap_clients=[
                {
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "scopes": ["account-mails:issue", "invoices:read"],
                }
            ],
            public_app_url=APP_URL,
            argon2_time_cost=1,
            argon2_memory_kib=8192,
        )
    )
    dsn = await fresh_database("test_notify_e2e")
    try:
        async with serve(identity_app) as identity_url:
            await wait_until_ready(identity_url)
            settings = notifications_settings(dsn, smtp, identity_url)
            await start_groups_at_end(settings)
            # Its own REST API is not used here: any key source will do.
            app = create_notifications(
                settings, key_source=test_tokens.TestIssuer("e2e").key_source()
            )
            async with serve(app) as url:
                await wait_until_ready(url)
                pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
                assert pool is not None
                try:
                    async with httpx.AsyncClient(base_url=identity_url, timeout=30) as http:
                        yield Platform(http, smtp, pool)
                finally:
                    await pool.close()
    finally:
        smtp.stop()


async def _register(platform: Platform, **extra: Any) -> tuple[str, str, dict[str, Any]]:
    address = f"{unique('driver')}@example.com"
    response = await platform.identity.post(
        "/v1/auth/register",
        json={"email": address, "password": PASSWORD, **extra},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert response.status_code == 201, response.text
    tokens = await platform.identity.post(
        "/v1/auth/login",
        json={"email": address, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    return response.json()["id"], address, tokens.json()


async def test_a_new_driver_verifies_the_address_from_the_mail(platform: Platform) -> None:
    _, address, tokens = await _register(platform, locale="sv")
    token = await platform.link_in_mail(address, "/verify-email")
    [mail] = platform.smtp.mails_to(address)
    assert str(mail["Subject"]) == "Bekräfta din e-postadress"
    verified = await platform.identity.post("/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 204, verified.text
    me = await platform.identity.get(
        "/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["email_verified"] is True
    again = await platform.identity.post("/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 422


async def test_password_reset_end_to_end(platform: Platform) -> None:
    _, address, _ = await _register(platform)
    unknown = await platform.identity.post(
        "/v1/auth/password-reset", json={"email": f"{unique('nobody')}@example.com"}
    )
    known = await platform.identity.post("/v1/auth/password-reset", json={"email": address})
    assert (
        (unknown.status_code, unknown.json())
        == (known.status_code, known.json())
        == (
            202,
            {"status": "accepted"},
        )
    )
    token = await platform.link_in_mail(address, "/reset-password")
    new_password = "the new passphrase 2026"
    reset = await platform.identity.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": new_password}
    )
    assert reset.status_code == 204, reset.text
    login = await platform.identity.post(
        "/v1/auth/login", json={"email": address, "password": new_password}
    )
    assert login.status_code == 200
    twice = await platform.identity.post(
        "/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "another passphrase 2027"},
    )
    assert twice.status_code == 422

    async def told() -> bool:
        return any(
            "password" in str(m["Subject"]).lower() and "reset" not in str(m["Subject"]).lower()
            for m in platform.smtp.mails_to(address)
        )

    await eventually(told, timeout=60)  # the "password changed" notice


async def test_a_deleted_account_leaves_no_address_in_notifications(platform: Platform) -> None:
    user_id, address, tokens = await _register(platform)

    async def known() -> bool:
        found = await platform.db.fetchval("select 1 from contacts where user_id = $1", user_id)
        return found is not None

    await eventually(known, timeout=60)
    deleted = await platform.identity.request(
        "DELETE",
        "/v1/users/me",
        json={"password": PASSWORD},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert deleted.status_code == 204

    async def forgotten() -> bool:
        rows = await platform.db.fetchval(
            "select count(*) from contacts where user_id = $1 or email = $2", user_id, address
        )
        return rows == 0

    await eventually(forgotten, timeout=60)
