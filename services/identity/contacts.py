"""Each user's contact details on `identity.contacts.v1` (compacted, keyed by user id).

Published in the transaction of every change that alters them (registration, profile, roles,
disable/enable, a verified e-mail), and as a tombstone when the account is deleted, so that
compaction removes the address from the topic. The 365-day users topic never carries any of it.
"""

from __future__ import annotations

import uuid

import structlog

from services.identity.context import SOURCE
from shared.db import Connection
from shared.events.identity import ContactChanged
from shared.events.topics import IDENTITY_CONTACTS
from shared.outbox import enqueue, enqueue_tombstone

log = structlog.get_logger(__name__)


async def publish(conn: Connection, user_id: uuid.UUID) -> None:
    """The user's current contact details, or a tombstone when the account is deleted."""
    row = await conn.fetchrow(
        """update users set contact_published_at = now() where id = $1
           returning id, email, display_name, locale, email_verified_at, roles, status""",
        user_id,
    )
    if row is None:
        return
    if row["status"] == "deleted":
        await enqueue_tombstone(conn, IDENTITY_CONTACTS, str(user_id))
        return
    await enqueue(
        conn,
        ContactChanged(
            user_id=str(row["id"]),
            email=row["email"],
            display_name=row["display_name"],
            locale=row["locale"],
            email_verified=row["email_verified_at"] is not None,
            roles=list(row["roles"]),
            disabled=row["status"] == "disabled",
        ),
        source=SOURCE,
        subject=str(user_id),
    )


async def publish_unpublished(conn: Connection, limit: int = 1000) -> int:
    """Accounts whose details never reached the topic (those older than it): published once."""
    ids = await conn.fetch(
        """select id from users where contact_published_at is null
            order by created_at limit $1 for update skip locked""",
        limit,
    )
    for row in ids:
        await publish(conn, row["id"])
    if ids:
        log.info("identity.contacts.backfilled", count=len(ids))
    return len(ids)
