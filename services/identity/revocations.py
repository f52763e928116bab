"""Cut a subject's access short: tokens issued before now stop working everywhere.

The `access.revoked` event (subject + not-before) goes to the outbox in the transaction of the
change that caused it; the gateway and every service follow it (`shared.auth.revocations`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from services.identity.context import SOURCE
from shared.db import Connection
from shared.events.identity import AccessRevoked
from shared.outbox import enqueue

log = structlog.get_logger(__name__)


async def revoke_access(conn: Connection, subject: str, *, reason: str) -> None:
    not_before = datetime.now(UTC)
    await enqueue(
        conn,
        AccessRevoked(subject=subject, not_before=not_before, reason=reason),
        source=SOURCE,
        subject=subject,
    )
    log.info("identity.access.revoked", subject=subject, reason=reason)
