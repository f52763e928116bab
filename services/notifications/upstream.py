"""The two synchronous calls notifications makes, with its service account's token:

- identity `POST /v1/account-mails/{mail_id}/issue` (scope `account-mails:issue`): the recipient
  and a fresh single-use link of an account mail; 404 unknown, 410 no longer to be sent;
- payment `GET /v1/invoices/{id}/receipt.pdf` (scope `invoices:read`): the receipt to attach.

Both have a timeout; when the other side is down the delivery is retried later (nothing lost).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel

from services.notifications.channels.outcomes import NotToBeSent, SendFailed
from services.notifications.settings import Settings
from shared.auth.scopes import ACCOUNT_MAILS_SCOPE, INVOICES_READ_SCOPE


class IssuedMail(BaseModel):
    mail_id: str
    kind: str
    to: str
    display_name: str | None = None
    locale: str = "en"
    link: str | None = None
    link_expires_at: datetime | None = None
    detail: dict[str, Any] = {}


class ServiceToken:
    """An access token by OAuth2 client credentials, kept until shortly before it expires."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() > self._expires:
                await self._fetch()
            assert self._token is not None
            return self._token

    def forget(self) -> None:
        self._token = None

    async def _fetch(self) -> None:
        secret = self._settings.client_secret
        if secret is None:
            raise SendFailed("no service-account secret configured")
        try:
            response = await self._client.post(
                f"{self._settings.identity_url}/v1/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._settings.client_id,
                    "client_secret": secret.get_secret_value(),
                    "scope": f"{ACCOUNT_MAILS_SCOPE} {INVOICES_READ_SCOPE}",
                },
            )
        except httpx.HTTPError as exc:
            raise SendFailed(f"identity unreachable ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise SendFailed(f"service token refused (http {response.status_code})")
        body = response.json()
        self._token = str(body["access_token"])
        self._expires = time.monotonic() + max(float(body.get("expires_in", 300)) - 60, 10)


class Upstream:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client = httpx.AsyncClient(timeout=settings.upstream_timeout_s)
        self.token = ServiceToken(settings, self._client)

    async def _call(self, method: str, url: str) -> httpx.Response:
        for _ in range(2):
            headers = {"Authorization": f"Bearer {await self.token.get()}"}
            try:
                response = await self._client.request(method, url, headers=headers)
            except httpx.HTTPError as exc:
                raise SendFailed(
                    f"{url.split('/v1/')[0]} unreachable ({type(exc).__name__})"
                ) from None
            if response.status_code != 401:
                return response
            self.token.forget()  # expired or revoked: one more try with a fresh token
        raise SendFailed("service token not accepted")

    async def issue_account_mail(self, mail_id: str) -> IssuedMail:
        url = f"{self._settings.identity_url}/v1/account-mails/{mail_id}/issue"
        response = await self._call("POST", url)
        if response.status_code in (404, 410):
            raise NotToBeSent(f"identity answered {response.status_code}")
        if response.status_code != 200:
            raise SendFailed(f"identity answered {response.status_code}")
        return IssuedMail.model_validate(response.json())

    async def receipt_pdf(self, invoice_id: str) -> bytes:
        url = f"{self._settings.payment_url}/v1/invoices/{invoice_id}/receipt.pdf"
        response = await self._call("GET", url)
        if response.status_code != 200:
            # 404 too: the invoice event may be ahead of payment's read replica; retried.
            raise SendFailed(f"payment answered {response.status_code}")
        return response.content

    async def aclose(self) -> None:
        await self._client.aclose()
