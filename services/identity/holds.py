"""Hold tokens: payment's pre-authorised holds become one-time id-token decisions.

Payment publishes `hold.authorized` (payment.holds.v1) when Stripe has authorised the amount of
a pay-as-you-go or guest session; identity, the one writer of `identity.id-tokens.v1`, answers
with an Accepted decision for the hold's token, restricted to the hold's charger and connector,
for a single transaction, until the hold's start deadline (Blocked instead for a driver whose
account is disabled, Invalid for a deleted one). A hold of a user this identity has never known
gets no decision at all: another identity sharing the broker (a test platform beside the local
stack) must not veto a driver it has never seen, and payment releases an undecided hold at its
start deadline anyway. `hold.closed` makes the token Invalid. Hold tokens belong to no card or app account, so they have no row in `id_tokens`: the
hold is their whole state, and the decision follows from the event alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import structlog

from services.identity.accounts import repository as accounts
from services.identity.id_tokens.decisions import Verdict
from shared.db import Connection
from shared.events.envelope import Envelope
from shared.events.identity import IdTokenDecisionChanged
from shared.events.payment import HoldAuthorized, HoldClosed
from shared.events.topics import PAYMENT_HOLDS
from shared.inbox import EventConsumer
from shared.outbox import enqueue
from shared.service import ServiceRuntime

log = structlog.get_logger(__name__)
SOURCE = "identity"


class UnknownUser(Exception):
    """The hold names a user this identity has never known."""


async def _driver_refusal(conn: Connection, user_id: str | None) -> Verdict | None:
    """A driver's hold is refused when the account is disabled or deleted (a guest's hold has no
    account: the money held is its whole guarantee). `UnknownUser` for a user never seen here."""
    if user_id is None:
        return None
    try:
        user = await accounts.user_by_id(conn, uuid.UUID(user_id))
    except ValueError:
        user = None
    if user is None:
        raise UnknownUser(user_id)
    if user["status"] == "deleted":
        return Verdict("Invalid", "unknown-user")
    if user["status"] != "active":
        return Verdict("Blocked", "account-disabled")
    return None


async def on_hold_authorized(conn: Connection, envelope: Envelope) -> None:
    hold = envelope.payload(HoldAuthorized)
    try:
        verdict = await _driver_refusal(conn, hold.user_id) or Verdict("Accepted", None)
    except UnknownUser:
        log.info("identity.hold_token.unknown_user", hold_id=hold.hold_id)
        return
    decision = IdTokenDecisionChanged(
        uid=hold.id_token,
        kind="hold",
        user_id=hold.user_id,
        decision=verdict.decision,
        reason=verdict.reason,
        expires_at=hold.expires_at,
        charge_point_id=hold.charge_point_id,
        connector_id=hold.connector_id,
        single_use=True,
    )
    await enqueue(conn, decision, source=SOURCE, subject=hold.id_token, key=hold.id_token)
    log.info("identity.hold_token.decided", hold_id=hold.hold_id, decision=verdict.decision)


async def on_hold_closed(conn: Connection, envelope: Envelope) -> None:
    hold = envelope.payload(HoldClosed)
    decision = IdTokenDecisionChanged(
        uid=hold.id_token, kind="hold", user_id=None, decision="Invalid", reason="hold-closed"
    )
    await enqueue(conn, decision, source=SOURCE, subject=hold.id_token, key=hold.id_token)
    log.info("identity.hold_token.closed", hold_id=hold.hold_id, outcome=hold.outcome)


def consumers(runtime: ServiceRuntime, topic: str = PAYMENT_HOLDS.name) -> Sequence[EventConsumer]:
    assert runtime.pool is not None
    return [
        EventConsumer(
            name=runtime.consumer_name("payment-holds"),
            pool=runtime.pool,
            bootstrap_servers=runtime.settings.kafka_bootstrap_servers,
            topics=[topic],
            handlers={
                HoldAuthorized.event_type: on_hold_authorized,
                HoldClosed.event_type: on_hold_closed,
            },
        )
    ]
