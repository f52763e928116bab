"""Rules of accounts: register, change or check a password, delete oneself, users and roles.

Password checks (Argon2) never run while a pooled connection is held: the flows that need one
(password change, account deletion, registration; login in `sessions`) read in one short
transaction, check the password with none, and write in another (`Transaction` opens them).

Refusals that must leave a trace (a failed password check audited, a throttled registration)
are *returned* as domain errors rather than raised: the transaction then commits the trace, and
the router answers with the problem.
"""

from __future__ import annotations

import uuid

import structlog
from asyncpg import Record

from services.identity import contacts
from services.identity.accounts import repository
from services.identity.accounts.schemas import NewUser
from services.identity.accounts.sessions import TooManyAttempts, seconds_until
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
from services.identity.mails import repository as mails_repository
from services.identity.mails import service as mails
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
from shared.problems import Conflict, DomainError, Forbidden, NotFound

log = structlog.get_logger(__name__)

ROLE_ORDER = ("driver", "operator", "support", "admin")


def _sorted_roles(roles: list[str]) -> list[str]:
    return sorted(set(roles), key=ROLE_ORDER.index)


# -- registration and passwords -----------------------------------------------------------------


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
    return TooManyAttempts(seconds_until(admission.locked_until))


async def register(
    conn: Connection,
    *,
    email: str,
    password_hash: str,
    display_name: str | None,
    roles: list[str],
    actor_id: str | None,
    address: str | None,
    locale: str = "en",
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
        locale=locale,
    )
    if row is None:
        raise Conflict("An account with this email already exists.")
    await contacts.publish(conn, user_id)
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
    locale: str = "en",
) -> Record | DomainError:
    """Self-registration: counted per address first, hashed with no connection held; the
    address is then asked to be verified (a mail through notifications)."""
    async with transaction() as conn:
        refused = await admit_registration(conn, identity, address)
    if refused is not None:
        return refused
    password_hash = await hash_new_password(identity, email=email, password=password)
    async with transaction() as conn:
        row = await register(
            conn,
            email=email,
            password_hash=password_hash,
            display_name=display_name,
            roles=["driver"],
            actor_id=None,
            address=address,
            locale=locale,
        )
        await mails.request(conn, identity, row["id"], "email-verification")
        return row


async def create_user(
    conn: Connection,
    identity: Identity,
    caller: Principal,
    body: NewUser,
    password_hash: str,
    address: str | None,
) -> Record:
    require(caller, "admin")
    row = await register(
        conn,
        email=body.email,
        password_hash=password_hash,
        display_name=body.display_name,
        roles=list(body.roles),
        actor_id=caller.subject,
        address=address,
        locale=body.locale,
    )
    await mails.request(conn, identity, row["id"], "email-verification")
    return row


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
        await mails.request(conn, identity, user["id"], "password-changed", {"via": "change"})
    return None


# -- own account -------------------------------------------------------------------------------


async def me(conn: Connection, caller: Principal) -> Record:
    user = await repository.user_by_id(conn, user_id_of(caller))
    if user is None:
        raise NotFound("No user with this id.")
    return user


async def update_profile(
    conn: Connection, caller: Principal, display_name: str | None, locale: str | None
) -> Record:
    user_id = user_id_of(caller)
    row = await repository.set_profile(conn, user_id, display_name, locale)
    await contacts.publish(conn, user_id)
    return row


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
        await contacts.publish(conn, user_id)  # a tombstone: the address leaves the topic
        await mails_repository.forget_user(conn, user_id)
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
        await contacts.publish(conn, user_id)
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
        await contacts.publish(conn, user_id)
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
