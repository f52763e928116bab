"""Every SQL statement on `contacts`, the copy of identity's compacted contacts topic."""

from __future__ import annotations

from dataclasses import dataclass

from shared.db import Connection
from shared.events.identity import ContactChanged


@dataclass(frozen=True)
class Contact:
    user_id: str
    email: str
    display_name: str | None
    locale: str
    email_verified: bool
    roles: list[str]
    disabled: bool


async def upsert(conn: Connection, event: ContactChanged) -> None:
    await conn.execute(
        """insert into contacts
               (user_id, email, display_name, locale, email_verified, roles, disabled)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (user_id) do update set
               email = excluded.email, display_name = excluded.display_name,
               locale = excluded.locale, email_verified = excluded.email_verified,
               roles = excluded.roles, disabled = excluded.disabled, updated_at = now()""",
        event.user_id,
        event.email,
        event.display_name,
        event.locale,
        event.email_verified,
        event.roles,
        event.disabled,
    )


async def delete(conn: Connection, user_id: str) -> None:
    await conn.execute("delete from contacts where user_id = $1", user_id)
    await conn.execute(
        "insert into deleted_accounts (user_id) values ($1) on conflict do nothing", user_id
    )


async def is_deleted(conn: Connection, user_id: str) -> bool:
    found = await conn.fetchval("select 1 from deleted_accounts where user_id = $1", user_id)
    return found is not None


async def get(conn: Connection, user_id: str) -> Contact | None:
    row = await conn.fetchrow(
        """select user_id, email, display_name, locale, email_verified, roles, disabled
             from contacts where user_id = $1""",
        user_id,
    )
    return None if row is None else Contact(**dict(row))
