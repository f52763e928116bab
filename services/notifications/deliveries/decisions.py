"""Who is told about an event: the decision, recorded once per (event, recipient, channel).

Runs inside the consumer's transaction, with the inbox row: a redelivered event finds its
decisions already taken (the inbox, and the unique triple behind it) and sends nothing again.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from services.notifications.contacts import repository as contacts
from services.notifications.deliveries import repository
from services.notifications.deliveries.repository import Intent
from services.notifications.kinds import ACCOUNT_KINDS, ALWAYS_ON, SEVERITY_RANK, WEBHOOK_DISABLED
from services.notifications.preferences import repository as preferences
from services.notifications.subscriptions import repository as subscriptions
from shared.db import Connection

log = structlog.get_logger(__name__)

# Decisions that are not caused by one consumed event get a stable id of their own.
_DERIVED = uuid.UUID("6f0b3c1e-8a52-4d8e-9d0a-1c6a0e5b7f21")


def derived_event_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_DERIVED, ":".join(parts))


async def tell_driver(
    conn: Connection, event_id: uuid.UUID, user_id: str, kind: str, context: dict[str, Any]
) -> None:
    """An e-mail to a driver, unless they turned the kind off or their account is disabled.

    No address known yet is not a reason to skip: the contact travels on another topic and may
    arrive after the event (a new driver's first receipt). The send waits for it for a while
    (`contact_wait_s`, see sending)."""
    status, reason = "pending", None
    if kind not in ACCOUNT_KINDS:
        contact = await contacts.get(conn, user_id)
        if contact is None:
            if await contacts.is_deleted(conn, user_id):
                status, reason = "skipped", "no-contact"
        elif contact.disabled:
            status, reason = "skipped", "account-disabled"
        elif kind not in ALWAYS_ON and not await preferences.enabled(conn, user_id, kind):
            status, reason = "skipped", "preference"
    intent = Intent(
        event_id=event_id,
        recipient=user_id,
        channel="email",
        kind=kind,
        user_id=user_id,
        context=context,
        status=status,
        reason=reason,
    )
    if await repository.record(conn, intent):
        log.info("notifications.decided", kind=kind, channel="email", status=status, reason=reason)


async def tell_operators(
    conn: Connection,
    event_id: uuid.UUID,
    kind: str,
    severity: str,
    site: str | None,
    context: dict[str, Any],
) -> int:
    """Every subscription that wants this kind at this severity and site: an e-mail to its
    owner (once per owner, however many of their subscriptions match) or a webhook."""
    severities = [s for s, rank in SEVERITY_RANK.items() if rank <= SEVERITY_RANK[severity]]
    decided = 0
    for subscription in await subscriptions.matching(conn, kind, severities, site):
        webhook = subscription.channel == "webhook"
        owner = await contacts.get(conn, subscription.owner_id)
        # A demoted or disabled operator's subscriptions stop with their power.
        demoted = owner is not None and (
            owner.disabled or not {"operator", "admin"} & set(owner.roles)
        )
        intent = Intent(
            event_id=event_id,
            recipient=f"webhook:{subscription.id}" if webhook else subscription.owner_id,
            channel=subscription.channel,
            kind=kind,
            user_id=subscription.owner_id,
            subscription_id=subscription.id,
            context={**context, "severity": severity, "site": site},
            status="skipped" if demoted else "pending",
            reason="owner-not-operator" if demoted else None,
        )
        decided += await repository.record(conn, intent)
    log.info("notifications.decided", kind=kind, channel="operators", count=decided)
    return decided


async def tell_webhook_disabled(
    conn: Connection,
    subscription_id: uuid.UUID,
    owner_id: str,
    url: str,
    failures: int,
    disabled_at: str,
) -> None:
    """The alert when a webhook subscription is disabled: an e-mail to its owner."""
    event_id = derived_event_id("webhook-disabled", str(subscription_id), disabled_at)
    await repository.record(
        conn,
        Intent(
            event_id=event_id,
            recipient=owner_id,
            channel="email",
            kind=WEBHOOK_DISABLED,
            user_id=owner_id,
            subscription_id=subscription_id,
            context={"subscription_id": str(subscription_id), "url": url, "failures": failures},
        ),
    )
