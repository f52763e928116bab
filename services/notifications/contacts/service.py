"""Contacts: keep identity's contact details, and forget a deleted account at once."""

from __future__ import annotations

import structlog

from services.notifications.contacts import repository
from services.notifications.deliveries import repository as deliveries
from services.notifications.preferences import repository as preferences
from shared.db import Connection
from shared.events.identity import ContactChanged

log = structlog.get_logger(__name__)


async def contact_changed(conn: Connection, event: ContactChanged) -> None:
    await repository.upsert(conn, event)


async def account_deleted(conn: Connection, user_id: str) -> None:
    """A tombstone on identity.contacts.v1: the address goes, and nothing more is sent."""
    await repository.delete(conn, user_id)
    await preferences.forget(conn, user_id)
    dropped = await deliveries.drop_pending_of_user(conn, user_id, "account-deleted")
    log.info("notifications.contact.deleted", user_id=user_id, dropped=dropped)
