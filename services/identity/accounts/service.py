"""Rules of accounts and sessions: register, log in, refresh with rotation, users and roles.

Refusals that must leave a trace (failed logins counted for throttling and audited, a reused
refresh token revoking its family) are *returned* as domain errors rather than raised: the
request's transaction then commits the trace, and the router answers with the problem.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from math import ceil

import structlog
from asyncpg import Record

from services.identity.accounts import repository
from services.identity.accounts.schemas import NewUser, TokenPair
from services.identity.audit import repository as audit
from services.identity.context import SOURCE, STAFF, Caller, Identity
from services.identity.id_tokens import decisions
from services.identity.id_tokens import repository as id_tokens
from services.identity.passwords import check_policy
from shared.db import Connection
from shared.events.identity import (
    UserDeleted,
    UserDisabled,
    UserEnabled,
    UserRegistered,
    UserRolesChanged,
)
from shared.outbox import enqueue
from shared.problems import Conflict, DomainError, Forbidden, NotFound, Unauthenticated

log = structlog.get_logger(__name__)

# One answer for an unknown email and a wrong password, so the answer tells nothing.
BAD_CREDENTIALS = "The email or password is not correct."
ROLE_ORDER = ("driver", "operator", "support", "admin")


class TooManyAttempts(DomainError):
    status, slug = 429, "too-many-attempts"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("Too many failed attempts; try again later.")
        self.headers = {"Retry-After": str(retry_after_s)}


def _sorted_roles(roles: list[str]) -> list[str]:
    return sorted(set(roles), key=ROLE_ORDER.index)


def _hash_token(token: str) -> bytes:
    # Refresh tokens carry 256 bits of entropy: a plain sha256 cannot be brute-forced back.
    return hashlib.sha256(token.encode()).digest()


# -- registration and sessions -----------------------------------------------------------------


async def register(
    conn: Connection,
    identity: Identity,
    *,
    email: str,
    password: str,
    display_name: str | None,
    roles: list[str],
    actor_id: str | None,
    address: str | None,
) -> Record:
    check_policy(password, email=email)
    password_hash = await identity.passwords.hash(password)
    user_id = uuid.uuid4()
    roles = _sorted_roles(roles)
    row = await repository.insert_user(
        conn,
        user_id=user_id,
        email=email,
        password_hash=password_hash,
        roles=roles,
        display_name=display_name,
    )
    if row is None:
        raise Conflict("An account with this email already exists.")
    await enqueue(
        conn,
        UserRegistered(user_id=str(user_id), roles=roles),
        source=SOURCE,
        subject=str(user_id),
    )
    await audit.record(
        conn,
        "user.registered",
        actor_id=actor_id or str(user_id),
        subject_id=str(user_id),
        client_address=address,
        details={"roles": roles},
    )
    log.info("identity.user.registered", user_id=str(user_id), roles=roles)
    return row


async def create_user(
    conn: Connection, identity: Identity, caller: Caller, body: NewUser, address: str | None
) -> Record:
    caller.require("admin")
    return await register(
        conn,
        identity,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        roles=list(body.roles),
        actor_id=caller.subject,
        address=address,
    )


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
    conn: Connection, identity: Identity, *, email: str, password: str, address: str | None
) -> TokenPair | DomainError:
    settings = identity.settings
    keys = _throttle_keys(email, address)
    locked = await repository.locked_until(conn, keys)
    if locked is not None:
        retry_after = max(1, ceil((locked - datetime.now(UTC)).total_seconds()))
        return TooManyAttempts(retry_after)

    user = await repository.user_by_email(conn, email.strip())
    # Always verify (against a dummy hash for an unknown email): same work, same timing.
    valid = await identity.passwords.verify(user["password_hash"] if user else None, password)
    if not valid:
        for scope, key in keys:
            limit = (
                settings.login_max_failures_per_account
                if scope == "account"
                else settings.login_max_failures_per_address
            )
            if await repository.count_failure(
                conn,
                scope,
                key,
                window_s=settings.login_window_s,
                max_failures=limit,
                lockout_s=settings.login_lockout_s,
            ):
                await audit.record(
                    conn,
                    "login.locked",
                    outcome="failure",
                    subject_id=str(user["id"]) if user and scope == "account" else None,
                    client_address=address,
                    details={"scope": scope, "lockout_s": settings.login_lockout_s},
                )
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
    if user["status"] != "active":
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
    if identity.passwords.needs_rehash(user["password_hash"]):
        await repository.rehash_password(conn, user_id, await identity.passwords.hash(password))
    tokens = await issue_tokens(conn, identity, user_id=user_id, roles=list(user["roles"]))
    await audit.record(conn, "login", subject_id=str(user_id), client_address=address)
    return tokens


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
    user = await repository.user_by_id(conn, row["user_id"])
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


async def change_password(
    conn: Connection,
    identity: Identity,
    caller: Caller,
    *,
    current_password: str,
    new_password: str,
    address: str | None,
) -> DomainError | None:
    user = await repository.user_by_id(conn, caller.user_id, lock=True)
    if user is None:
        raise Unauthenticated("The account no longer exists.")
    check_policy(new_password, email=user["email"])
    if not await identity.passwords.verify(user["password_hash"], current_password):
        await audit.record(
            conn,
            "password.change",
            outcome="failure",
            subject_id=str(user["id"]),
            client_address=address,
            details={"reason": "bad-credentials"},
        )
        return Forbidden("The current password is not correct.")
    await repository.set_password_hash(
        conn, user["id"], await identity.passwords.hash(new_password)
    )
    # Every other session ends: a password change is what a user does after a suspected leak.
    revoked = await repository.revoke_all_for_user(conn, user["id"])
    await audit.record(
        conn,
        "password.change",
        subject_id=str(user["id"]),
        client_address=address,
        details={"sessions_revoked": revoked},
    )
    return None


# -- own account -------------------------------------------------------------------------------


async def me(conn: Connection, caller: Caller) -> Record:
    user = await repository.user_by_id(conn, caller.user_id)
    if user is None:
        raise NotFound("No user with this id.")
    return user


async def update_profile(conn: Connection, caller: Caller, display_name: str | None) -> Record:
    return await repository.set_display_name(conn, caller.user_id, display_name)


async def delete_account(
    conn: Connection, identity: Identity, caller: Caller, *, password: str, address: str | None
) -> DomainError | None:
    user = await repository.user_by_id(conn, caller.user_id, lock=True)
    if user is None or user["status"] == "deleted":
        raise NotFound("No user with this id.")
    if not await identity.passwords.verify(user["password_hash"], password):
        await audit.record(
            conn,
            "user.delete",
            outcome="failure",
            subject_id=str(user["id"]),
            client_address=address,
            details={"reason": "bad-credentials"},
        )
        return Forbidden("The password is not correct.")
    user_id: uuid.UUID = user["id"]
    await id_tokens.lock_user(conn, user_id)
    await repository.anonymise(conn, user_id)
    await repository.revoke_all_for_user(conn, user_id)
    # Cards and app tokens go too (their UIDs become free); chargers are told they are Invalid.
    uids = await id_tokens.delete_tokens_of_user(conn, user_id)
    await decisions.reconcile_many(conn, uids)
    await id_tokens.delete_standing(conn, user_id)
    await enqueue(conn, UserDeleted(user_id=str(user_id)), source=SOURCE, subject=str(user_id))
    await audit.record(
        conn, "user.deleted", actor_id=str(user_id), subject_id=str(user_id), client_address=address
    )
    log.info("identity.user.deleted", user_id=str(user_id))
    return None


# -- administration ----------------------------------------------------------------------------


async def list_users(
    conn: Connection,
    caller: Caller,
    *,
    role: str | None,
    status: str | None,
    email: str | None,
    limit: int,
    offset: int,
) -> list[Record]:
    if not caller.is_staff:
        raise Forbidden("Only staff can list users.")
    return list(
        await repository.list_users(
            conn, role=role, status=status, email=email, limit=limit, offset=offset
        )
    )


async def _visible_user(conn: Connection, caller: Caller, user_id: uuid.UUID) -> Record:
    """A user the caller may see: staff see everyone, a driver only themselves (else 404)."""
    if not caller.is_staff and caller.subject != str(user_id):
        raise NotFound("No user with this id.")
    user = await repository.user_by_id(conn, user_id, lock=True)
    if user is None:
        raise NotFound("No user with this id.")
    return user


async def get_user(conn: Connection, caller: Caller, user_id: uuid.UUID) -> Record:
    return await _visible_user(conn, caller, user_id)


async def set_roles(
    conn: Connection, caller: Caller, user_id: uuid.UUID, roles: list[str], address: str | None
) -> Record:
    user = await _visible_user(conn, caller, user_id)
    caller.require("admin")
    row = user
    if row["status"] == "deleted":
        raise Conflict("This account has been deleted.")
    new_roles = _sorted_roles(roles)
    before = list(row["roles"])
    if caller.subject == str(user_id) and "admin" not in new_roles:
        raise Conflict("Admins cannot remove their own admin role; ask another admin.")
    if new_roles != before:
        await repository.set_roles(conn, user_id, new_roles)
        await enqueue(
            conn,
            UserRolesChanged(user_id=str(user_id), roles=new_roles),
            source=SOURCE,
            subject=str(user_id),
        )
        await audit.record(
            conn,
            "user.roles_changed",
            actor_id=caller.subject,
            subject_id=str(user_id),
            client_address=address,
            details={"before": before, "after": new_roles},
        )
    return await _visible_user(conn, caller, user_id)


async def set_disabled(
    conn: Connection,
    caller: Caller,
    user_id: uuid.UUID,
    *,
    disabled: bool,
    reason: str | None,
    address: str | None,
) -> Record:
    user = await _visible_user(conn, caller, user_id)
    caller.require("operator", "admin")
    row = user
    if row["status"] == "deleted":
        raise Conflict("This account has been deleted.")
    if not STAFF.isdisjoint(row["roles"]) and "admin" not in caller.roles:
        raise Forbidden("Only an admin can disable or enable a staff account.")
    if caller.subject == str(user_id):
        raise Conflict("You cannot disable or enable your own account.")
    target = "disabled" if disabled else "active"
    if row["status"] != target:
        await id_tokens.lock_user(conn, user_id)
        await repository.set_status(conn, user_id, target)
        if disabled:
            await repository.revoke_all_for_user(conn, user_id)
        payload = (
            UserDisabled(user_id=str(user_id)) if disabled else UserEnabled(user_id=str(user_id))
        )
        await enqueue(conn, payload, source=SOURCE, subject=str(user_id))
        await decisions.reconcile_user(conn, user_id)
        await audit.record(
            conn,
            "user.disabled" if disabled else "user.enabled",
            actor_id=caller.subject,
            subject_id=str(user_id),
            client_address=address,
            details={"reason": reason} if reason else {},
        )
    return await _visible_user(conn, caller, user_id)


async def ensure_bootstrap_admin(conn: Connection, identity: Identity) -> None:
    """The first admin from LADDA_BOOTSTRAP_ADMIN_*; does nothing when the account exists."""
    settings = identity.settings
    email, password = settings.bootstrap_admin_email, settings.bootstrap_admin_password
    if not email or password is None:
        return
    existing = await repository.user_by_email(conn, email)
    if existing is not None:
        if "admin" not in existing["roles"]:
            log.warning("identity.bootstrap_admin.not_admin", user_id=str(existing["id"]))
        return
    # Not validated as a deliverable address: local stacks use reserved names (admin@ladda.local).
    try:
        await register(
            conn,
            identity,
            email=email.strip(),
            password=password.get_secret_value(),
            display_name="Administrator",
            roles=["admin"],
            actor_id="bootstrap",
            address=None,
        )
    except Conflict:
        return  # another replica starting at the same moment created it
    log.info("identity.bootstrap_admin.created")
