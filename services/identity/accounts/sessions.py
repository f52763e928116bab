"""Sessions: log in (throttled), issue tokens, refresh with rotation and reuse detection, log out.

Login runs Argon2 between two short transactions so that no pooled connection is held while it
works; its attempts are counted before the password is checked (see the README, "Security").
Refusals that must leave a trace (a failed login counted and audited, a reused refresh token
revoking its family) are *returned* as domain errors so the transaction commits the trace.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from math import ceil

import structlog

from services.identity.accounts import repository
from services.identity.accounts.schemas import TokenPair
from services.identity.audit import repository as audit
from services.identity.context import Identity, Transaction
from services.identity.mails import service as mails
from shared.db import Connection
from shared.problems import DomainError, Forbidden, Unauthenticated

log = structlog.get_logger(__name__)

# One answer for an unknown email and a wrong password, so the answer tells nothing.
BAD_CREDENTIALS = "The email or password is not correct."


class TooManyAttempts(DomainError):
    status, slug = 429, "too-many-attempts"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("Too many failed attempts; try again later.")
        self.headers = {"Retry-After": str(retry_after_s)}


def _hash_token(token: str) -> bytes:
    # Refresh tokens carry 256 bits of entropy: a plain sha256 cannot be brute-forced back.
    return hashlib.sha256(token.encode()).digest()


def seconds_until(moment: datetime | None) -> int:
    if moment is None:
        return 1
    return max(1, ceil((moment - datetime.now(UTC)).total_seconds()))


async def issue_tokens(
    conn: Connection,
    identity: Identity,
    *,
    user_id: uuid.UUID,
    roles: list[str],
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    settings = identity.settings
    access = await identity.keys.issue_access_token(
        conn,
        subject=str(user_id),
        roles=roles,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    refresh = secrets.token_urlsafe(32)
    await repository.insert_refresh_token(
        conn,
        token_id=uuid.uuid4(),
        family_id=family_id or uuid.uuid4(),
        user_id=user_id,
        token_hash=_hash_token(refresh),
        expires_at=datetime.now(UTC) + timedelta(seconds=settings.refresh_token_ttl_s),
    )
    return TokenPair(
        access_token=access,
        expires_in=settings.access_token_ttl_s,
        refresh_token=refresh,
        refresh_expires_in=settings.refresh_token_ttl_s,
    )


def _throttle_keys(email: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("account", email.strip().lower())]
    if address:
        keys.append(("address", address))
    return keys


async def login(
    transaction: Transaction,
    identity: Identity,
    *,
    email: str,
    password: str,
    address: str | None,
) -> TokenPair | DomainError:
    """Two short transactions around the Argon2 check, which holds no pooled connection.

    The first counts the attempt against the account and the address *before* the password
    is checked (atomic per key, so parallel guesses cannot slip past the limit) and reads the
    account; the second records the outcome and issues the tokens.
    """
    settings = identity.settings
    keys = _throttle_keys(email, address)
    async with transaction() as conn:
        for scope, key in keys:
            admission = await repository.admit_attempt(
                conn,
                scope,
                key,
                window_s=settings.login_window_s,
                max_attempts=(
                    settings.login_max_failures_per_account
                    if scope == "account"
                    else settings.login_max_failures_per_address
                ),
                lockout_s=settings.login_lockout_s,
            )
            if admission.just_locked:
                await audit.record(
                    conn,
                    "login.locked",
                    outcome="failure",
                    subject_id=await _account_subject(conn, scope, key),
                    client_address=address,
                    details={"scope": scope, "lockout_s": settings.login_lockout_s},
                )
            if not admission.admitted:
                return TooManyAttempts(seconds_until(admission.locked_until))
        user = await repository.user_by_email(conn, email.strip())

    # Always verify (against a dummy hash for an unknown email): same work, same timing.
    stored_hash = user["password_hash"] if user else None
    valid = await identity.passwords.verify(stored_hash, password)
    new_hash = None
    if valid and identity.passwords.needs_rehash(stored_hash or ""):
        new_hash = await identity.passwords.hash(password)

    async with transaction() as conn:
        if not valid:
            await audit.record(
                conn,
                "login",
                outcome="failure",
                subject_id=str(user["id"]) if user else None,
                client_address=address,
                details={"reason": "bad-credentials" if user else "unknown-account"},
            )
            return Unauthenticated(BAD_CREDENTIALS)
        assert user is not None  # a valid password implies a known user
        user_id: uuid.UUID = user["id"]
        # Read again, share-locked: what the token says is what the account is now.
        current = await repository.user_by_id(conn, user_id, share=True)
        if current is None or current["password_hash"] != stored_hash:
            return Unauthenticated(BAD_CREDENTIALS)  # changed meanwhile: the check is void
        if current["status"] != "active":
            await audit.record(
                conn,
                "login",
                outcome="failure",
                subject_id=str(user_id),
                client_address=address,
                details={"reason": "account-disabled"},
            )
            return Forbidden("This account is disabled; contact support.")
        await repository.clear_failures(conn, "account", keys[0][1])
        for scope, key in keys[1:]:
            await repository.release_attempt(conn, scope, key)
        if new_hash is not None:
            await repository.rehash_password(conn, user_id, new_hash)
        tokens = await issue_tokens(conn, identity, user_id=user_id, roles=list(current["roles"]))
        await mails.note_sign_in(conn, identity, user_id, address, None)
        await audit.record(conn, "login", subject_id=str(user_id), client_address=address)
        return tokens


async def _account_subject(conn: Connection, scope: str, key: str) -> str | None:
    if scope != "account":
        return None
    user = await repository.user_by_email(conn, key)
    return str(user["id"]) if user else None


async def refresh(
    conn: Connection, identity: Identity, *, token: str, address: str | None
) -> TokenPair | DomainError:
    row = await repository.refresh_token_by_hash(conn, _hash_token(token))
    if row is None:
        return Unauthenticated("The refresh token is not valid.")
    if row["used_at"] is not None or row["revoked_at"] is not None:
        # A rotated (or revoked) token came back: someone holds a copy. End the whole chain.
        revoked = await repository.revoke_family(conn, row["family_id"])
        if row["used_at"] is not None:
            await audit.record(
                conn,
                "refresh.reuse_detected",
                outcome="failure",
                subject_id=str(row["user_id"]),
                client_address=address,
                details={"family_id": str(row["family_id"]), "revoked": revoked},
            )
            log.warning("identity.refresh.reuse_detected", user_id=str(row["user_id"]))
        return Unauthenticated("The refresh token is not valid.")
    if row["expires_at"] <= datetime.now(UTC):
        return Unauthenticated("The refresh token has expired; log in again.")
    user = await repository.user_by_id(conn, row["user_id"], share=True)
    if user is None or user["status"] != "active":
        await repository.revoke_family(conn, row["family_id"])
        return Unauthenticated("The account is disabled or no longer exists.")
    await repository.mark_used(conn, row["id"])
    return await issue_tokens(
        conn, identity, user_id=user["id"], roles=list(user["roles"]), family_id=row["family_id"]
    )


async def logout(conn: Connection, *, token: str, address: str | None) -> None:
    row = await repository.refresh_token_by_hash(conn, _hash_token(token))
    if row is None:
        return  # logging out twice, or with a token we never issued, is not an error
    await repository.revoke_family(conn, row["family_id"])
    await audit.record(conn, "logout", subject_id=str(row["user_id"]), client_address=address)
