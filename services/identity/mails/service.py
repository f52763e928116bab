"""Rules of account mails. Identity decides that a mail is due and owns its link's token;
notifications sends it, fetching the recipient and a fresh link through `issue`.

- Verification: asked at registration (and on request); the link verifies the address.
- Password reset: asked for an address; the answer is the same whether or not it has an
  account, and at most one mail per account per cooldown. The link is single-use and
  short-lived, its token kept only as a hash; using it ends every session of the account.
- Notices: the password changed; a sign-in (a new refresh-token family) from an address the
  account never signed in from before.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from services.identity import contacts
from services.identity.accounts import repository as accounts
from services.identity.audit import repository as audit
from services.identity.context import SOURCE, Identity, Transaction
from services.identity.mails import repository
from services.identity.mails.schemas import IssuedMail
from services.identity.passwords import check_policy
from services.identity.revocations import revoke_access
from shared.db import Connection
from shared.events.identity import AccountMailKind, AccountMailRequested
from shared.outbox import enqueue
from shared.problems import DomainError, Invalid, NotFound

log = structlog.get_logger(__name__)

LINK_PATHS: dict[str, str] = {
    "email-verification": "/verify-email",
    "password-reset": "/reset-password",
}


class Gone(DomainError):
    """The mail is no longer to be sent (its link was used or expired, the account is gone)."""

    status, slug = 410, "gone"


class InvalidLink(Invalid):
    slug = "invalid-link"


def _hash(token: str) -> bytes:
    # 256-bit random tokens: sha256 cannot be brute-forced back (as for refresh tokens).
    return hashlib.sha256(token.encode()).digest()


async def request(
    conn: Connection,
    identity: Identity,
    user_id: uuid.UUID,
    kind: AccountMailKind,
    detail: dict[str, Any] | None = None,
) -> uuid.UUID:
    """Record the mail and ask for it (ids only on Kafka), in the caller's transaction."""
    settings = identity.settings
    lifetime = {
        "email-verification": settings.email_verification_ttl_s,
        "password-reset": settings.password_reset_ttl_s,
    }.get(kind, settings.account_notice_ttl_s)
    mail_id = uuid.uuid4()
    await repository.insert(
        conn,
        mail_id=mail_id,
        user_id=user_id,
        kind=kind,
        expires_at=datetime.now(UTC) + timedelta(seconds=lifetime),
        detail=detail or {},
    )
    await enqueue(
        conn,
        AccountMailRequested(mail_id=str(mail_id), user_id=str(user_id), kind=kind),
        source=SOURCE,
        subject=str(mail_id),
        key=str(user_id),
    )
    log.info("identity.account_mail.requested", mail_id=str(mail_id), kind=kind)
    return mail_id


async def issue(conn: Connection, identity: Identity, mail_id: uuid.UUID) -> IssuedMail:
    row = await repository.for_issue(conn, mail_id)
    if row is None:
        raise NotFound("No account mail with this id.")
    now = datetime.now(UTC)
    if row["status"] == "deleted" or row["used_at"] is not None or row["expires_at"] <= now:
        raise Gone("This mail is no longer to be sent.")
    if row["kind"] == "email-verification" and row["email_verified_at"] is not None:
        raise Gone("The address is verified already.")
    if row["kind"] == "password-reset" and row["status"] != "active":
        raise Gone("The account is disabled.")
    link, link_expires_at = None, None
    path = LINK_PATHS.get(row["kind"])
    if path is not None:
        token = secrets.token_urlsafe(32)
        link_expires_at = row["expires_at"]
        await repository.set_token(conn, mail_id, _hash(token), link_expires_at)
        # In the fragment: it never reaches a server's access log on the way to the web app.
        link = f"{identity.settings.public_app_url.rstrip('/')}{path}#token={token}"
    return IssuedMail(
        mail_id=row["id"],
        kind=row["kind"],
        to=row["email"],
        display_name=row["display_name"],
        locale=row["locale"],
        link=link,
        link_expires_at=link_expires_at,
        detail=_detail(row["detail"]),
    )


def _detail(value: Any) -> dict[str, Any]:
    """jsonb as asyncpg hands it over: text, unless the pool registered a codec."""
    return dict(json.loads(value) if isinstance(value, str) else value)


async def _usable(conn: Connection, kind: str, token: str) -> Any:
    row = await repository.by_token(conn, kind, _hash(token))
    if (
        row is None
        or row["used_at"] is not None
        or row["token_expires_at"] is None
        or row["token_expires_at"] <= datetime.now(UTC)
        or row["status"] != "active"
    ):
        raise InvalidLink("This link is not valid: it was used already, or it has expired.")
    return row


async def verify_email(conn: Connection, token: str, address: str | None) -> None:
    row = await _usable(conn, "email-verification", token)
    await repository.end_links(conn, row["user_id"], "email-verification")
    await repository.set_email_verified(conn, row["user_id"])
    await contacts.publish(conn, row["user_id"])
    await audit.record(
        conn, "email.verified", subject_id=str(row["user_id"]), client_address=address
    )


async def resend_verification(conn: Connection, identity: Identity, user_id: uuid.UUID) -> None:
    user = await accounts.user_by_id(conn, user_id, lock=True)
    if user is None or user["email_verified_at"] is not None:
        return
    since = datetime.now(UTC) - timedelta(seconds=identity.settings.account_mail_cooldown_s)
    if not await repository.requested_since(conn, user_id, "email-verification", since):
        await request(conn, identity, user_id, "email-verification")


async def request_password_reset(
    conn: Connection, identity: Identity, email: str, address: str | None
) -> None:
    """The same outcome for every address; a mail only for an active account, once per
    cooldown (so nobody can flood a mailbox through this endpoint)."""
    user = await accounts.user_by_email(conn, email.strip())
    if user is None or user["status"] != "active":
        await audit.record(
            conn, "password.reset_requested", outcome="failure", client_address=address
        )
        return
    await accounts.user_by_id(conn, user["id"], lock=True)  # one request at a time per account
    since = datetime.now(UTC) - timedelta(seconds=identity.settings.account_mail_cooldown_s)
    if not await repository.requested_since(conn, user["id"], "password-reset", since):
        await request(conn, identity, user["id"], "password-reset")
    await audit.record(
        conn, "password.reset_requested", subject_id=str(user["id"]), client_address=address
    )


async def reset_password(
    transaction: Transaction,
    identity: Identity,
    *,
    token: str,
    new_password: str,
    address: str | None,
) -> None:
    """Check the link, hash with no connection held, then set the password if the link is
    still unused (checked again, locked): a second use of the same link is refused."""
    async with transaction() as conn:
        row = await _usable(conn, "password-reset", token)
    check_policy(new_password, email=row["email"])
    new_hash = await identity.passwords.hash(new_password)
    async with transaction() as conn:
        row = await _usable(conn, "password-reset", token)
        user_id: uuid.UUID = row["user_id"]
        await accounts.user_by_id(conn, user_id, lock=True)
        await repository.end_links(conn, user_id, "password-reset")
        await accounts.set_password_hash(conn, user_id, new_hash)
        # Whoever held the old password loses every session; the mailbox was proven.
        revoked = await accounts.revoke_all_for_user(conn, user_id)
        await revoke_access(conn, str(user_id), reason="password-reset")
        if row["email_verified_at"] is None:
            await repository.set_email_verified(conn, user_id)
            await contacts.publish(conn, user_id)
        await request(conn, identity, user_id, "password-changed", {"via": "reset"})
        await audit.record(
            conn,
            "password.reset",
            subject_id=str(user_id),
            client_address=address,
            details={"sessions_revoked": revoked},
        )


async def note_sign_in(
    conn: Connection,
    identity: Identity,
    user_id: uuid.UUID,
    address: str | None,
    user_agent: str | None,
) -> None:
    """A new refresh-token family from an address this account never used: tell the user
    (not on the account's very first sign-in)."""
    if not address:
        return
    digest = hashlib.sha256(f"{user_id}|{address}".encode()).digest()
    new, signed_in_before = await repository.remember_address(conn, user_id, digest)
    if new and signed_in_before:
        detail = {"address": address, "user_agent": (user_agent or "")[:200]}
        await request(conn, identity, user_id, "new-sign-in", detail)
