"""Consumers and periodic work: payment standing in, id-token decisions out, key rotation."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Sequence
from typing import Any

import structlog

from services.identity import contacts
from services.identity.accounts import repository as accounts
from services.identity.audit import repository as audit
from services.identity.context import Identity
from services.identity.id_tokens import decisions
from services.identity.id_tokens import repository as id_tokens
from services.identity.mails import repository as mails
from shared.db import Connection
from shared.events.envelope import Envelope
from shared.events.payment import PaymentAccountChanged
from shared.events.topics import PAYMENT_ACCOUNTS
from shared.inbox import EventConsumer
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)


async def on_payment_account_changed(conn: Connection, envelope: Envelope) -> None:
    """Store the driver's payment standing and re-decide their tokens (same transaction)."""
    account = envelope.payload(PaymentAccountChanged)
    try:
        user_id = uuid.UUID(account.user_id)
    except ValueError:
        log.warning("identity.payment_account.bad_user_id", event_id=str(envelope.id))
        return
    await id_tokens.lock_user(conn, user_id)
    stored = await id_tokens.upsert_standing(
        conn,
        user_id=user_id,
        has_payment_method=account.has_payment_method,
        subscription_active=account.subscription_active,
        has_overdue_invoice=account.has_overdue_invoice,
        as_of=envelope.time,
    )
    if not stored:
        log.info("identity.payment_account.stale_ignored", event_id=str(envelope.id))
        return
    changed = await decisions.reconcile_user(conn, user_id)
    log.info("identity.payment_account.applied", user_id=str(user_id), decisions_changed=changed)


def consumers(runtime: ServiceRuntime) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    return [
        EventConsumer(
            name=runtime.consumer_name("payment-accounts"),
            pool=runtime.pool,
            bootstrap_servers=runtime.settings.kafka_bootstrap_servers,
            topics=[PAYMENT_ACCOUNTS.name],
            handlers={PaymentAccountChanged.event_type: on_payment_account_changed},
        )
    ]


async def maintenance(runtime: ServiceRuntime, identity: Identity) -> None:
    """Forever: publish Expired for tokens whose expiry passed; rotate the key when it is due;
    drop expired refresh tokens, finished throttle counters and audit entries past retention."""
    interval = identity.settings.maintenance_interval_s
    while True:
        try:
            async with runtime.transaction() as conn:
                expired = await decisions.sweep_expired(conn)
            if expired:
                log.info("identity.id_tokens.expired_published", count=expired)
            async with runtime.transaction() as conn:
                await identity.keys.rotate_if_due(conn, identity.settings.signing_key_rotation_s)
            settings = identity.settings
            async with runtime.transaction() as conn:
                await accounts.purge_stale(
                    conn, window_s=max(settings.login_window_s, settings.register_window_s)
                )
            async with runtime.transaction() as conn:
                await contacts.publish_unpublished(conn)
            async with runtime.transaction() as conn:
                await mails.purge_older_than(conn, days=settings.account_mail_retention_days)
            async with runtime.transaction() as conn:
                purged = await audit.purge_older_than(conn, days=settings.audit_retention_days)
            if purged:
                log.info("identity.audit_log.purged", count=purged)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # An outage must not end the loop; the next round tries again.
            log.warning("identity.maintenance.failed", error=repr(exc))
        await asyncio.sleep(interval)


def background(identity: Identity) -> Any:
    def factory(runtime: ServiceRuntime) -> Sequence[Coroutine[Any, Any, None]]:
        return [maintenance(runtime, identity)]

    return factory
