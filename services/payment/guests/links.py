"""The guest's capability link: a signed, expiring token naming one hold (not a login).

Token = base64url(hold id (16 bytes) + expiry (8 bytes, Unix seconds)) "." base64url(HMAC-SHA256
of a version label and those 24 bytes, keyed with `guest_link_secret`). It grants what the link
promises and nothing else: follow that one session, stop it, download its receipt. A changed
byte, another key or a passed expiry is refused, in constant time for the MAC comparison.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from uuid import UUID

from pydantic import SecretStr

from shared.problems import DomainError

_LABEL = b"ladda-guest-link-v1:"


class GuestLinkRefused(DomainError):
    status, slug = 401, "guest-link-refused"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: SecretStr, body: bytes) -> bytes:
    return hmac.new(secret.get_secret_value().encode(), _LABEL + body, hashlib.sha256).digest()


def issue(
    hold_id: UUID, secret: SecretStr, ttl_s: int, now: datetime | None = None
) -> tuple[str, datetime]:
    expires = (now or datetime.now(UTC)) + timedelta(seconds=ttl_s)
    body = hold_id.bytes + int(expires.timestamp()).to_bytes(8, "big")
    return f"{_b64(body)}.{_b64(_mac(secret, body))}", expires


def verify(token: str, secret: SecretStr, now: datetime | None = None) -> UUID:
    """The hold the link names; GuestLinkRefused when forged, malformed or expired."""
    try:
        body_text, mac_text = token.split(".", 1)
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (ValueError, binascii.Error) as exc:
        raise GuestLinkRefused("The guest link is not valid.") from exc
    if len(body) != 24 or not hmac.compare_digest(mac, _mac(secret, body)):
        raise GuestLinkRefused("The guest link is not valid.")
    expires = datetime.fromtimestamp(int.from_bytes(body[16:], "big"), UTC)
    if expires <= (now or datetime.now(UTC)):
        raise GuestLinkRefused("The guest link has expired.")
    return UUID(bytes=body[:16])
