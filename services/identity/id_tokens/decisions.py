"""The authorisation decision for an id-token, and its publication on identity.id-tokens.v1.

The rules, in the order they are applied (the first that matches decides):

1. no such token (never registered, deleted, or its user deleted) -> Invalid
2. the token is blocked                                             -> Blocked
3. the token's expiry has passed                                    -> Expired
4. the token's user is disabled                                     -> Blocked
5. no usable payment method and no active subscription (or nothing
   heard from payment yet)                                          -> Blocked
6. an overdue unpaid invoice                                        -> Blocked
7. otherwise                                                        -> Accepted

ConcurrentTx is connectivity's to decide (it knows the running transactions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog

from services.identity.id_tokens import repository
from shared.db import Connection
from shared.events.identity import Decision, IdTokenDecisionChanged
from shared.outbox import enqueue

log = structlog.get_logger(__name__)

SOURCE = "identity"


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reason: str | None


def decide(inputs: Any | None, now: datetime) -> Verdict:
    """Apply the rules above to one token's row from `repository.decision_inputs`."""
    if inputs is None or inputs["user_status"] == "deleted":
        return Verdict("Invalid", "unknown-token")
    if inputs["status"] == "blocked":
        return Verdict("Blocked", "token-blocked")
    if inputs["expires_at"] is not None and inputs["expires_at"] <= now:
        return Verdict("Expired", "token-expired")
    if inputs["user_status"] != "active":
        return Verdict("Blocked", "account-disabled")
    if not (inputs["has_payment_method"] or inputs["subscription_active"]):
        return Verdict("Blocked", "no-payment-method")
    if inputs["has_overdue_invoice"]:
        return Verdict("Blocked", "overdue-invoice")
    return Verdict("Accepted", None)


async def current(conn: Connection, uid: str) -> Verdict:
    return decide(await repository.decision_inputs(conn, uid), datetime.now(UTC))


async def reconcile(conn: Connection, uid: str, *, kind: str | None = None) -> bool:
    """Re-evaluate one UID; publish (outbox, same transaction) only what really changed.

    `kind` names a token that was just deleted (its row is gone, the decision is Invalid).
    Returns True when a new decision was published.
    """
    await repository.lock_uid(conn, uid)
    published = await repository.published_decision(conn, uid)
    inputs = await repository.decision_inputs(conn, uid)
    verdict = decide(inputs, datetime.now(UTC))
    if inputs is not None and inputs["user_status"] != "deleted":
        token_kind, user_id, expires_at = inputs["kind"], inputs["user_id"], inputs["expires_at"]
    else:
        token_kind = kind or (published["kind"] if published else "rfid")
        user_id, expires_at = None, None
    state = (verdict.decision, verdict.reason, user_id, expires_at)
    if published is None and verdict.decision == "Invalid":
        return False  # nothing was ever said about this UID; no need to say it is unknown
    if published is not None and state == (
        published["decision"],
        published["reason"],
        published["user_id"],
        published["expires_at"],
    ):
        await repository.mark_evaluated(conn, uid)
        return False
    await repository.save_published(
        conn,
        uid=uid,
        kind=token_kind,
        user_id=user_id,
        decision=verdict.decision,
        reason=verdict.reason,
        expires_at=expires_at,
    )
    await enqueue(
        conn,
        IdTokenDecisionChanged(
            uid=uid,
            kind=token_kind,
            user_id=str(user_id) if user_id is not None else None,
            decision=verdict.decision,
            expires_at=expires_at,
            reason=verdict.reason,
        ),
        source=SOURCE,
        subject=uid,
        key=uid,
    )
    log.info("identity.id_token.decision_changed", decision=verdict.decision, reason=verdict.reason)
    return True


async def reconcile_many(conn: Connection, uids: list[str]) -> int:
    changed = 0
    for uid in sorted(uids):  # a fixed order, so concurrent callers take the locks alike
        changed += await reconcile(conn, uid)
    return changed


async def reconcile_user(conn: Connection, user_id: Any) -> int:
    return await reconcile_many(conn, await repository.uids_of_user(conn, user_id))


async def sweep_expired(conn: Connection, *, limit: int = 500) -> int:
    """Publish Expired for tokens whose expiry passed since they were last evaluated."""
    return await reconcile_many(conn, await repository.uids_expired_since_evaluated(conn, limit))
