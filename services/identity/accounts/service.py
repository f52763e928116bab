"""Rules of accounts and sessions: register, log in, refresh with rotation, users and roles.

Password checks (Argon2) never run while a pooled connection is held: the flows that need one
(login, password change, account deletion, registration) read in one short transaction, check
the password with none, and write in another (`Transaction` opens them).

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
from services.identity.context import (
    SOURCE,
    Identity,
    Transaction,
    require,
    staff_or_scope,
    user_id_of,
)
from services.identity.id_tokens import decisions
from services.identity.id_tokens import repository as id_tokens
from services.identity.passwords import check_policy
from services.identity.revocations import revoke_access
from shared.auth.jwt import STAFF_ROLES, Principal
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


async def hash_new_password(identity: Identity, *, email: str, password: str) -> str:
    """Check the policy and hash; done before any transaction (Argon2 holds no connection)."""
    check_policy(password, email=email)
    return await identity.passwords.hash(password)


async def admit_registration(
    conn: Connection, identity: Identity, address: str | None
) -> DomainError | None:
    """Registrations per client address are throttled (see README: why not a uniform answer)."""
    settings = identity.settings
    if not address:
        return None
    admission = await repository.admit_attempt(
        conn,
        "register",
        address,
        window_s=settings.register_window_s,
        max_attempts=settings.register_max_per_address,
        lockout_s=settings.register_window_s,
    )
    if admission.admitted:
        return None
    if admission.just_locked:
        await audit.record(
            conn,
            "register.throttled",
            outcome="failure",
            client_address=address,
            details={"window_s": settings.register_window_s},
        )
    return TooManyAttempts(_seconds_until(admission.locked_until))


def _seconds_until(moment: datetime | None) -> int:
    if moment is None:
        return 1
    return max(1, ceil((moment - datetime.now(UTC)).total_seconds()))


async def register(
    conn: Connection,
    *,
    email: str,
    password_hash: str,
    display_name: str | None,
    roles: list[str],
    actor_id: str | None,
    address: str | None,
) -> Record:
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


async def register_driver(
    transaction: Transaction,
    identity: Identity,
    *,
    email: str,
    password: str,
    display_name: str | None,
    address: str | None,
) -> Record | DomainError:
    """Self-registration: counted per address first, hashed with no connection held."""
    async with transaction() as conn:
        refused = await admit_registration(conn, identity, address)
    if refused is not None:
        return refused
    password_hash = await hash_new_password(identity, email=email, password=password)
    async with transaction() as conn:
        return await register(
            conn,
            email=email,
            password_hash=password_hash,
            display_name=display_name,
            roles=["driver"],
            actor_id=None,
            address=address,
        )


async def create_user(
    conn: Connection, caller: Principal, body: NewUser, password_hash: str, address: str | None
) -> Record:
    require(caller, "admin")
    return await register(
        conn,
        email=body.email,
        password_hash=password_hash,
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
                return TooManyAttempts(_seconds_until(admission.locked_until))
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


async def _verified_user(
    transaction: Transaction, identity: Identity, caller: Principal, password: str
) -> tuple[Record, bool]:
    """The caller's account and whether `password` is theirs; Argon2 runs with no connection."""
    async with transaction() as conn:
        user = await repository.user_by_id(conn, user_id_of(caller))
    if user is None or user["status"] == "deleted":
        raise NotFound("No user with this id.")
    return user, await identity.passwords.verify(user["password_hash"], password)


async def _locked_unchanged(conn: Connection, seen: Record) -> Record:
    """The account row, locked, as it was when its password was checked."""
    user = await repository.user_by_id(conn, seen["id"], lock=True)
    if user is None or user["status"] == "deleted":
        raise NotFound("No user with this id.")
    if user["password_hash"] != seen["password_hash"]:
        raise Conflict("The password was changed meanwhile; try again.")
    return user


async def change_password(
    transaction: Transaction,
    identity: Identity,
    caller: Principal,
    *,
    current_password: str,
    new_password: str,
    address: str | None,
) -> DomainError | None:
    seen, valid = await _verified_user(transaction, identity, caller, current_password)
    check_policy(new_password, email=seen["email"])
    new_hash = await identity.passwords.hash(new_password) if valid else None
    async with transaction() as conn:
        user = await _locked_unchanged(conn, seen)
        if new_hash is None:
            await audit.record(
                conn,
                "password.change",
                outcome="failure",
                subject_id=str(user["id"]),
                client_address=address,
                details={"reason": "bad-credentials"},
            )
            return Forbidden("The current password is not correct.")
        await repository.set_password_hash(conn, user["id"], new_hash)
        # Every session ends: a password change is what a user does after a suspected leak.
        revoked = await repository.revoke_all_for_user(conn, user["id"])
        await revoke_access(conn, str(user["id"]), reason="password-changed")
        await audit.record(
            conn,
            "password.change",
            subject_id=str(user["id"]),
            client_address=address,
            details={"sessions_revoked": revoked},
        )
    return None


# -- own account -------------------------------------------------------------------------------


async def me(conn: Connection, caller: Principal) -> Record:
    user = await repository.user_by_id(conn, user_id_of(caller))
    if user is None:
        raise NotFound("No user with this id.")
    return user


async def update_profile(conn: Connection, caller: Principal, display_name: str | None) -> Record:
    return await repository.set_display_name(conn, user_id_of(caller), display_name)


async def delete_account(
    transaction: Transaction,
    identity: Identity,
    caller: Principal,
    *,
    password: str,
    address: str | None,
) -> DomainError | None:
    seen, valid = await _verified_user(transaction, identity, caller, password)
    async with transaction() as conn:
        user = await _locked_unchanged(conn, seen)
        if not valid:
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
        await revoke_access(conn, str(user_id), reason="account-deleted")
        # Cards and app tokens go too (their UIDs become free); chargers are told they are Invalid.
        uids = await id_tokens.delete_tokens_of_user(conn, user_id)
        await decisions.reconcile_many(conn, uids)
        await id_tokens.delete_standing(conn, user_id)
        await enqueue(conn, UserDeleted(user_id=str(user_id)), source=SOURCE, subject=str(user_id))
        await audit.record(
            conn,
            "user.deleted",
            actor_id=str(user_id),
            subject_id=str(user_id),
            client_address=address,
        )
    log.info("identity.user.deleted", user_id=str(user_id))
    return None


# -- administration ----------------------------------------------------------------------------


async def list_users(
    conn: Connection,
    caller: Principal,
    *,
    role: str | None,
    status: str | None,
    email: str | None,
    limit: int,
    offset: int,
) -> list[Record]:
    if not staff_or_scope(caller, "users:read"):
        raise Forbidden("Only staff can list users.")
    return list(
        await repository.list_users(
            conn, role=role, status=status, email=email, limit=limit, offset=offset
        )
    )


async def _visible_user(conn: Connection, caller: Principal, user_id: uuid.UUID) -> Record:
    """A user the caller may see: staff see everyone, a driver only themselves (else 404)."""
    if not staff_or_scope(caller, "users:read") and caller.subject != str(user_id):
        raise NotFound("No user with this id.")
    user = await repository.user_by_id(conn, user_id, lock=True)
    if user is None:
        raise NotFound("No user with this id.")
    return user


async def get_user(conn: Connection, caller: Principal, user_id: uuid.UUID) -> Record:
    return await _visible_user(conn, caller, user_id)


async def set_roles(
    conn: Connection, caller: Principal, user_id: uuid.UUID, roles: list[str], address: str | None
) -> Record:
    user = await _visible_user(conn, caller, user_id)
    require(caller, "admin")
    row = user
    if row["status"] == "deleted":
        raise Conflict("This account has been deleted.")
    new_roles = _sorted_roles(roles)
    before = list(row["roles"])
    if caller.subject == str(user_id) and "admin" not in new_roles:
        raise Conflict("Admins cannot remove their own admin role; ask another admin.")
    if new_roles != before:
        await repository.set_roles(conn, user_id, new_roles)
        await revoke_access(conn, str(user_id), reason="roles-changed")
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
    caller: Principal,
    user_id: uuid.UUID,
    *,
    disabled: bool,
    reason: str | None,
    address: str | None,
) -> Record:
    user = await _visible_user(conn, caller, user_id)
    require(caller, "operator", "admin")
    row = user
    if row["status"] == "deleted":
        raise Conflict("This account has been deleted.")
    if not STAFF_ROLES.isdisjoint(row["roles"]) and "admin" not in caller.roles:
        raise Forbidden("Only an admin can disable or enable a staff account.")
    if caller.subject == str(user_id):
        raise Conflict("You cannot disable or enable your own account.")
    target = "disabled" if disabled else "active"
    if row["status"] != target:
        await id_tokens.lock_user(conn, user_id)
        await repository.set_status(conn, user_id, target)
        if disabled:
            await repository.revoke_all_for_user(conn, user_id)
            await revoke_access(conn, str(user_id), reason="account-disabled")
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
    password_hash = await hash_new_password(
        identity, email=email.strip(), password=password.get_secret_value()
    )
    try:
        await register(
            conn,
            email=email.strip(),
            password_hash=password_hash,
            display_name="Administrator",
            roles=["admin"],
            actor_id="bootstrap",
            address=None,
        )
    except Conflict:
        return  # another replica starting at the same moment created it
    log.info("identity.bootstrap_admin.created")
