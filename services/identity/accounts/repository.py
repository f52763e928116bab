"""SQL of users, refresh tokens and failed-login throttling."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from asyncpg import Record

from shared.db import Connection

# -- users -------------------------------------------------------------------------------------


async def insert_user(
    conn: Connection,
    *,
    user_id: uuid.UUID,
    email: str,
    password_hash: str,
    roles: list[str],
    display_name: str | None,
    locale: str = "en",
) -> Record | None:
    """The new user, or None when the email (case-insensitively) is taken."""
    return await conn.fetchrow(
        """insert into users (id, email, password_hash, roles, display_name, password_changed_at,
                              locale)
            values ($1, $2, $3, $4, $5, now(), $6)
            on conflict ((lower(email))) do nothing
            returning id, email, display_name, password_hash, roles, status,
                   created_at, updated_at, password_changed_at, deleted_at,
                   locale, email_verified_at""",
        user_id,
        email,
        password_hash,
        roles,
        display_name,
        locale,
    )


async def user_by_email(conn: Connection, email: str) -> Record | None:
    return await conn.fetchrow(
        """select id, email, display_name, password_hash, roles, status,
                   created_at, updated_at, password_changed_at, deleted_at,
                   locale, email_verified_at
             from users where lower(email) = lower($1) and status <> 'deleted'""",
        email,
    )


async def user_by_id(
    conn: Connection, user_id: uuid.UUID, *, lock: bool = False, share: bool = False
) -> Record | None:
    """`lock`: for a change of the row. `share`: for issuing a token from it, so a concurrent
    role change or disable waits (and its revocation's not-before comes after this token)."""
    if lock:
        return await conn.fetchrow(
            """select id, email, display_name, password_hash, roles, status,
                   created_at, updated_at, password_changed_at, deleted_at,
                   locale, email_verified_at
                 from users where id = $1 for update""",
            user_id,
        )
    if share:
        return await conn.fetchrow(
            """select id, email, display_name, password_hash, roles, status,
                   created_at, updated_at, password_changed_at, deleted_at,
                   locale, email_verified_at
                 from users where id = $1 for share""",
            user_id,
        )
    return await conn.fetchrow(
        """select id, email, display_name, password_hash, roles, status,
                   created_at, updated_at, password_changed_at, deleted_at,
                   locale, email_verified_at
             from users where id = $1""",
        user_id,
    )


async def list_users(
    conn: Connection,
    *,
    role: str | None,
    status: str | None,
    email: str | None,
    limit: int,
    offset: int,
) -> list[Record]:
    return await conn.fetch(
        """select id, email, display_name, password_hash, roles, status,
                   created_at, updated_at, password_changed_at, deleted_at,
                   locale, email_verified_at from users
             where ($1::text is null or $1 = any(roles))
               and ($2::text is null or status = $2)
               and ($3::text is null or lower(email) like '%' || lower($3) || '%')
             order by created_at, id
             limit $4 offset $5""",
        role,
        status,
        email,
        limit,
        offset,
    )


async def set_status(conn: Connection, user_id: uuid.UUID, status: str) -> None:
    await conn.execute(
        "update users set status = $2, updated_at = now() where id = $1", user_id, status
    )


async def set_roles(conn: Connection, user_id: uuid.UUID, roles: list[str]) -> None:
    await conn.execute(
        "update users set roles = $2, updated_at = now() where id = $1", user_id, roles
    )


async def set_profile(
    conn: Connection, user_id: uuid.UUID, name: str | None, locale: str | None
) -> Record:
    """The display name; the locale too unless None."""
    row = await conn.fetchrow(
        """update users set display_name = $2, locale = coalesce($3, locale), updated_at = now()
            where id = $1
           returning id, email, display_name, password_hash, roles, status,
                   created_at, updated_at, password_changed_at, deleted_at,
                   locale, email_verified_at""",
        user_id,
        name,
        locale,
    )
    assert row is not None  # written by primary key just now
    return row


async def set_password_hash(conn: Connection, user_id: uuid.UUID, password_hash: str) -> None:
    await conn.execute(
        "update users set password_hash = $2, password_changed_at = now(), updated_at = now() "
        "where id = $1",
        user_id,
        password_hash,
    )


async def rehash_password(conn: Connection, user_id: uuid.UUID, password_hash: str) -> None:
    """Same password, stronger parameters: not a password change."""
    await conn.execute("update users set password_hash = $2 where id = $1", user_id, password_hash)


async def anonymise(conn: Connection, user_id: uuid.UUID) -> None:
    await conn.execute(
        """update users
              set email = 'deleted-' || id::text || '@deleted.invalid',
                  display_name = null, password_hash = null, roles = '{}',
                  status = 'deleted', deleted_at = now(), updated_at = now()
            where id = $1""",
        user_id,
    )


# -- refresh tokens ----------------------------------------------------------------------------


async def insert_refresh_token(
    conn: Connection,
    *,
    token_id: uuid.UUID,
    family_id: uuid.UUID,
    user_id: uuid.UUID,
    token_hash: bytes,
    expires_at: datetime,
) -> None:
    await conn.execute(
        """insert into refresh_tokens (id, family_id, user_id, token_hash, expires_at)
           values ($1, $2, $3, $4, $5)""",
        token_id,
        family_id,
        user_id,
        token_hash,
        expires_at,
    )


async def refresh_token_by_hash(conn: Connection, token_hash: bytes) -> Record | None:
    # Locked, so two concurrent uses of one token are serialised: the second is a reuse.
    return await conn.fetchrow(
        """select id, family_id, user_id, expires_at, used_at, revoked_at
             from refresh_tokens where token_hash = $1 for update""",
        token_hash,
    )


async def mark_used(conn: Connection, token_id: uuid.UUID) -> None:
    await conn.execute("update refresh_tokens set used_at = now() where id = $1", token_id)


async def revoke_family(conn: Connection, family_id: uuid.UUID) -> int:
    result = await conn.execute(
        "update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null",
        family_id,
    )
    return int(result.split()[-1])


async def revoke_all_for_user(conn: Connection, user_id: uuid.UUID) -> int:
    result = await conn.execute(
        "update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null",
        user_id,
    )
    return int(result.split()[-1])


# -- failed-login throttling -------------------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    """The outcome of counting one attempt against a throttle key."""

    admitted: bool
    locked_until: datetime | None
    # This very attempt crossed the limit and set the lock (audited once, not per attempt).
    just_locked: bool


async def admit_attempt(
    conn: Connection, scope: str, key: str, *, window_s: int, max_attempts: int, lockout_s: int
) -> Admission:
    """Count one attempt *before* its outcome is known, in one atomic statement.

    At most `max_attempts` attempts per key pass within the window, however many arrive at
    once: parallel guesses each add one to the same row under its row lock, and the one that
    goes over the limit sets the lock. A success gives its attempt back (`release_attempt`).
    """
    row = await conn.fetchrow(
        """insert into login_throttle as t (scope, key, failures, window_start)
           values ($1, $2, 1, now())
           on conflict (scope, key) do update set
               failures = case
                   when t.locked_until > now() then t.failures
                   when t.window_start < now() - make_interval(secs => $3) then 1
                   else t.failures + 1 end,
               window_start = case
                   when t.locked_until > now() then t.window_start
                   when t.window_start < now() - make_interval(secs => $3) then now()
                   else t.window_start end,
               locked_until = case
                   when t.locked_until > now() then t.locked_until
                   when t.window_start >= now() - make_interval(secs => $3)
                        and t.failures + 1 > $4 then now() + make_interval(secs => $5)
                   else null end
           returning new.locked_until, old.locked_until as was_locked_until,
                     new.locked_until > now() as locked""",
        scope,
        key,
        float(window_s),
        max_attempts,
        float(lockout_s),
    )
    assert row is not None  # an upsert always returns its row
    locked = bool(row["locked"])
    was_locked = (
        row["was_locked_until"] is not None and row["was_locked_until"] == row["locked_until"]
    )
    return Admission(
        admitted=not locked, locked_until=row["locked_until"], just_locked=locked and not was_locked
    )


async def release_attempt(conn: Connection, scope: str, key: str) -> None:
    """A counted attempt succeeded: it was not a failure."""
    await conn.execute(
        """update login_throttle set failures = greatest(failures - 1, 0)
            where scope = $1 and key = $2 and (locked_until is null or locked_until <= now())""",
        scope,
        key,
    )


async def clear_failures(conn: Connection, scope: str, key: str) -> None:
    await conn.execute("delete from login_throttle where scope = $1 and key = $2", scope, key)


async def account_state(conn: Connection, user_id: uuid.UUID) -> Record | None:
    return await conn.fetchrow("select roles, status from users where id = $1", user_id)


# -- housekeeping ------------------------------------------------------------------------------


async def purge_stale(conn: Connection, *, window_s: int) -> tuple[int, int]:
    """Drop expired refresh tokens (spent ones are kept until then, for reuse detection) and
    throttle counters whose window and lock are over. Returns (tokens, counters) deleted."""
    tokens = await conn.execute("delete from refresh_tokens where expires_at < now()")
    counters = await conn.execute(
        """delete from login_throttle
            where window_start < now() - make_interval(secs => $1)
              and (locked_until is null or locked_until < now())""",
        float(window_s),
    )
    return int(tokens.split()[-1]), int(counters.split()[-1])
