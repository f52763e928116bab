"""Batch writers of accounts (identity.users.v1) and payment standings (payment.accounts.v1).

Ids and times only. An account row keeps the earliest registration and deletion seen, so any
order of arrival and any replay give the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.db import Connection


@dataclass
class AccountFacts:
    """What a batch says of one account."""

    user_id: str
    registered_at: datetime | None = None
    driver: bool = False
    deleted_at: datetime | None = None

    def registered(self, at: datetime, driver: bool) -> None:
        self.registered_at = at if self.registered_at is None else min(self.registered_at, at)
        self.driver = self.driver or driver

    def deleted(self, at: datetime) -> None:
        self.deleted_at = at if self.deleted_at is None else min(self.deleted_at, at)


async def upsert_users(conn: Connection, accounts: Sequence[AccountFacts]) -> None:
    await conn.execute(
        """insert into users (user_id, registered_at, driver, deleted_at)
           select * from unnest($1::text[], $2::timestamptz[], $3::bool[], $4::timestamptz[])
           on conflict (user_id) do update set
               registered_at = least(users.registered_at, excluded.registered_at),
               driver = users.driver or excluded.driver,
               deleted_at = least(users.deleted_at, excluded.deleted_at)""",
        [a.user_id for a in accounts],
        [a.registered_at for a in accounts],
        [a.driver for a in accounts],
        [a.deleted_at for a in accounts],
    )


async def insert_standings(
    conn: Connection, standings: Sequence[tuple[UUID, str, bool, datetime]]
) -> None:
    """(event id, user id, subscription active, event time)."""
    await conn.execute(
        """insert into account_standings (event_id, user_id, subscription_active, at)
           select * from unnest($1::uuid[], $2::text[], $3::bool[], $4::timestamptz[])
           on conflict (event_id) do nothing""",
        [s[0] for s in standings],
        [s[1] for s in standings],
        [s[2] for s in standings],
        [s[3] for s in standings],
    )
