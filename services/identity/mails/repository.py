"""SQL of account mails, their link tokens and the addresses users signed in from."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from asyncpg import Record

from shared.db import Connection


async def insert(
    conn: Connection,
    *,
    mail_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: str,
    expires_at: datetime,
    detail: dict[str, Any],
) -> None:
    await conn.execute(
        """insert into account_mails (id, user_id, kind, expires_at, detail)
           values ($1, $2, $3, $4, $5::jsonb)""",
        mail_id,
        user_id,
        kind,
        expires_at,
        json.dumps(detail),
    )


async def requested_since(conn: Connection, user_id: uuid.UUID, kind: str, since: datetime) -> bool:
    return bool(
        await conn.fetchval(
            """select exists (select 1 from account_mails
                               where user_id = $1 and kind = $2 and created_at > $3)""",
            user_id,
            kind,
            since,
        )
    )


async def for_issue(conn: Connection, mail_id: uuid.UUID) -> Record | None:
    """The mail with its recipient, locked: issuing a link replaces the earlier one."""
    return await conn.fetchrow(
        """select m.id, m.user_id, m.kind, m.expires_at, m.used_at, m.detail,
                  u.email, u.display_name, u.locale, u.status, u.email_verified_at
             from account_mails m join users u on u.id = m.user_id
            where m.id = $1
              for update of m""",
        mail_id,
    )


async def set_token(
    conn: Connection, mail_id: uuid.UUID, token_hash: bytes, expires_at: datetime
) -> None:
    await conn.execute(
        "update account_mails set token_hash = $2, token_expires_at = $3 where id = $1",
        mail_id,
        token_hash,
        expires_at,
    )


async def by_token(conn: Connection, kind: str, token_hash: bytes) -> Record | None:
    """The mail whose link carries this token, and its user's state; both locked."""
    return await conn.fetchrow(
        """select m.id, m.user_id, m.token_expires_at, m.used_at,
                  u.email, u.status, u.password_hash, u.email_verified_at
             from account_mails m join users u on u.id = m.user_id
            where m.token_hash = $1 and m.kind = $2
              for update""",
        token_hash,
        kind,
    )


async def end_links(conn: Connection, user_id: uuid.UUID, kind: str) -> None:
    """Every open link of this kind of the user ends (the one used, and any older ones)."""
    await conn.execute(
        """update account_mails set used_at = now()
            where user_id = $1 and kind = $2 and used_at is null""",
        user_id,
        kind,
    )


async def set_email_verified(conn: Connection, user_id: uuid.UUID) -> None:
    await conn.execute(
        """update users set email_verified_at = now(), updated_at = now()
            where id = $1 and email_verified_at is null""",
        user_id,
    )


async def remember_address(
    conn: Connection, user_id: uuid.UUID, address_hash: bytes
) -> tuple[bool, bool]:
    """(whether this address is new for the user, whether the user had signed in before)."""
    known_before = await conn.fetchval(
        "select count(*) from sign_in_addresses where user_id = $1", user_id
    )
    inserted = await conn.fetchval(
        """insert into sign_in_addresses (user_id, address_hash) values ($1, $2)
           on conflict do nothing returning true""",
        user_id,
        address_hash,
    )
    return bool(inserted), bool(known_before)


async def forget_user(conn: Connection, user_id: uuid.UUID) -> None:
    """A deleted account: its mails (which name addresses) and sign-in addresses go."""
    await conn.execute("delete from sign_in_addresses where user_id = $1", user_id)
    await conn.execute(
        "update account_mails set used_at = coalesce(used_at, now()), detail = '{}'::jsonb "
        "where user_id = $1",
        user_id,
    )


async def purge_older_than(conn: Connection, days: int) -> int:
    result = await conn.execute(
        "delete from account_mails where created_at < now() - make_interval(days => $1)", days
    )
    return int(result.split()[-1])
