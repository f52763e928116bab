"""Payment standing in (payment.accounts.v1), decisions out (compacted identity.id-tokens.v1).

Both directions go through the real Kafka: the test publishes what the payment service would,
and reads identity's decisions back from the topic connectivity keeps its copy of.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

from services.identity.events import on_payment_account_changed
from services.identity.id_tokens import service as id_tokens
from services.identity.id_tokens.decisions import decide
from shared.auth.jwt import Principal
from shared.events.envelope import Envelope
from shared.events.identity import IdTokenDecisionChanged
from shared.events.payment import PaymentAccountChanged
from shared.events.topics import IDENTITY_ID_TOKENS
from shared.inbox import EventConsumer
from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.identity.conftest import (
    Identity,
    create_account,
    decision_of,
    publish_payment_account,
    records_for_key,
)


def new_uid() -> str:
    return unique("d").replace("-", "").upper()[:14]


async def decisions_on_topic(uid: str) -> list[IdTokenDecisionChanged]:
    return [
        e.payload(IdTokenDecisionChanged) for e in await records_for_key(IDENTITY_ID_TOKENS, uid)
    ]


async def latest_on_topic(uid: str) -> str | None:
    published = await decisions_on_topic(uid)
    return published[-1].decision if published else None


def payment_consumer(identity: Identity) -> EventConsumer:
    (consumer,) = [
        c
        for c in identity.app.state.runtime.consumers
        if c.name.startswith("identity.payment-accounts")
    ]
    assert isinstance(consumer, EventConsumer)
    return consumer


async def test_a_payment_event_changes_the_decision_and_a_replay_changes_nothing(
    identity: Identity,
) -> None:
    driver = await create_account(identity)
    uid = new_uid()
    card = await identity.http.post(
        "/v1/id-tokens", json={"kind": "rfid", "uid": uid}, headers=driver.headers
    )
    assert card.json()["decision"] == "Blocked"
    await eventually(lambda: _equals(latest_on_topic(uid), "Blocked"))

    event = await publish_payment_account(driver.id, has_payment_method=True)
    await eventually(lambda: _equals(latest_on_topic(uid), "Accepted"))
    (blocked, accepted) = await decisions_on_topic(uid)
    assert (blocked.decision, blocked.reason) == ("Blocked", "no-payment-method")
    assert accepted.uid == uid and accepted.user_id == driver.id and accepted.kind == "rfid"
    assert accepted.reason is None
    published_at = await identity.db.fetchval(
        "select published_at from id_token_decisions where uid = $1", uid
    )

    # The same event again (at-least-once delivery): the inbox drops it, nothing is republished.
    consumer = payment_consumer(identity)
    duplicates_before = consumer.duplicates
    await publish_payment_account(driver.id, envelope=event)
    await eventually(lambda: _true(consumer.duplicates > duplicates_before))
    assert len(await decisions_on_topic(uid)) == 2
    assert (
        await identity.db.fetchval(
            "select published_at from id_token_decisions where uid = $1", uid
        )
        == published_at
    )
    assert (
        await identity.db.fetchval("select count(*) from inbox where event_id = $1", event.id) == 1
    )

    # A new event with the same standing is applied but changes no decision: still nothing new.
    same = await publish_payment_account(driver.id, has_payment_method=True)
    await eventually(lambda: _processed(identity, same.id))
    assert len(await decisions_on_topic(uid)) == 2


async def test_an_overdue_invoice_blocks_and_paying_it_accepts_again(identity: Identity) -> None:
    driver = await create_account(identity)
    uids = [new_uid(), new_uid()]
    for uid in uids:
        await identity.http.post(
            "/v1/id-tokens", json={"kind": "rfid", "uid": uid}, headers=driver.headers
        )
    await publish_payment_account(driver.id, subscription_active=True, has_payment_method=False)
    for uid in uids:
        await eventually(functools.partial(_latest_is, uid, "Accepted"))

    await publish_payment_account(driver.id, subscription_active=True, has_overdue_invoice=True)
    for uid in uids:
        await eventually(functools.partial(_latest_is, uid, "Blocked"))
        assert (await decisions_on_topic(uid))[-1].reason == "overdue-invoice"

    await publish_payment_account(driver.id, subscription_active=True)
    for uid in uids:
        await eventually(functools.partial(_latest_is, uid, "Accepted"))


async def test_an_older_standing_arriving_late_is_ignored(identity: Identity) -> None:
    driver = await create_account(identity)
    uid = new_uid()
    await identity.http.post(
        "/v1/id-tokens", json={"kind": "rfid", "uid": uid}, headers=driver.headers
    )
    stale = await publish_payment_account(driver.id, has_payment_method=False)
    fresh = await publish_payment_account(driver.id, has_payment_method=True)
    await eventually(lambda: _equals(latest_on_topic(uid), "Accepted"))
    # The older event is delivered again but as a new event id (e.g. re-sent by a replica).
    late = stale.model_copy(update={"id": fresh.id.__class__(int=fresh.id.int ^ 1)})
    await publish_payment_account(driver.id, envelope=late)
    await eventually(lambda: _processed(identity, late.id))
    assert await decision_of(identity, uid) == ("Accepted", None)


async def test_blocking_expiring_and_deleting_reach_the_topic(identity: Identity) -> None:
    driver = await create_account(identity)
    operator = await create_account(identity, roles=["operator"])
    standing = await publish_payment_account(driver.id, has_payment_method=True)
    await eventually(lambda: _processed(identity, standing.id))  # so the card starts Accepted
    uid = new_uid()
    card = (
        await identity.http.post(
            "/v1/id-tokens", json={"kind": "rfid", "uid": uid}, headers=driver.headers
        )
    ).json()
    await eventually(lambda: _equals(latest_on_topic(uid), "Accepted"))

    await identity.http.post(f"/v1/id-tokens/{card['id']}/block", headers=operator.headers)
    await eventually(lambda: _equals(latest_on_topic(uid), "Blocked"))
    await identity.http.post(f"/v1/id-tokens/{card['id']}/unblock", headers=operator.headers)
    await eventually(lambda: _equals(latest_on_topic(uid), "Accepted"))

    soon = datetime.now(UTC) + timedelta(seconds=1)
    await identity.http.patch(
        f"/v1/id-tokens/{card['id']}",
        json={"expires_at": soon.isoformat()},
        headers=operator.headers,
    )
    await eventually(lambda: _equals(latest_on_topic(uid), "Expired"), timeout=20)
    expired = (await decisions_on_topic(uid))[-1]
    assert expired.expires_at is not None

    await identity.http.delete(f"/v1/id-tokens/{card['id']}", headers=operator.headers)
    await eventually(lambda: _equals(latest_on_topic(uid), "Invalid"))
    assert (await decisions_on_topic(uid))[-1].user_id is None
    sequence = [d.decision for d in await decisions_on_topic(uid)]
    assert sequence == ["Accepted", "Blocked", "Accepted", "Accepted", "Expired", "Invalid"]


def test_the_decision_rules_in_order() -> None:
    now = datetime.now(UTC)
    base = {
        "status": "active",
        "expires_at": None,
        "user_status": "active",
        "has_payment_method": True,
        "subscription_active": False,
        "has_overdue_invoice": False,
    }

    def verdict(**changes: object) -> tuple[str, str | None]:
        result = decide({**base, **changes}, now)
        return result.decision, result.reason

    assert decide(None, now).decision == "Invalid"
    assert verdict() == ("Accepted", None)
    assert verdict(has_payment_method=False, subscription_active=True) == ("Accepted", None)
    assert verdict(user_status="deleted") == ("Invalid", "unknown-token")
    assert verdict(status="blocked", expires_at=now - timedelta(1)) == ("Blocked", "token-blocked")
    assert verdict(expires_at=now - timedelta(seconds=1), user_status="disabled") == (
        "Expired",
        "token-expired",
    )
    assert verdict(expires_at=now + timedelta(days=1)) == ("Accepted", None)
    assert verdict(user_status="disabled") == ("Blocked", "account-disabled")
    assert verdict(has_payment_method=False) == ("Blocked", "no-payment-method")
    assert verdict(has_payment_method=None, subscription_active=None) == (
        "Blocked",
        "no-payment-method",
    )
    assert verdict(has_overdue_invoice=True) == ("Blocked", "overdue-invoice")


async def _equals(value: Awaitable[object], expected: object) -> bool:
    return await value == expected


async def _latest_is(uid: str, decision: str) -> bool:
    return await latest_on_topic(uid) == decision


async def _true(value: bool) -> bool:
    return value


async def _processed(identity: Identity, event_id: object) -> bool:
    count = await identity.db.fetchval("select count(*) from inbox where event_id = $1", event_id)
    return bool(count)


async def test_a_card_registered_while_the_standing_changes_is_not_missed(
    identity: Identity,
) -> None:
    """The payment handler and a registration for the same user, interleaved: the second waits
    for the first, so the new card is decided with the new standing (not a stale Blocked)."""
    driver = await create_account(identity)
    pool = identity.app.state.runtime.pool
    envelope = Envelope.wrap(
        PaymentAccountChanged(
            user_id=driver.id,
            has_payment_method=True,
            subscription_active=False,
            has_overdue_invoice=False,
        ),
        source="payment",
        subject=driver.id,
        correlation_id=None,
    )
    uid = new_uid()
    handler_done, release = asyncio.Event(), asyncio.Event()

    async def payment_transaction() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await on_payment_account_changed(conn, envelope)
            handler_done.set()
            await release.wait()  # still uncommitted while the registration starts

    async def registration() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await id_tokens.register(
                conn,
                Principal(subject=driver.id, roles=frozenset({"driver"})),
                kind="rfid",
                uid=uid,
                label=None,
                user_id=None,
                expires_at=None,
                address=None,
            )

    first = asyncio.create_task(payment_transaction())
    try:
        await asyncio.wait_for(handler_done.wait(), 10)
        second = asyncio.create_task(registration())
        await asyncio.sleep(0.3)
        registration_waited = not second.done()
    finally:
        release.set()  # never leave a transaction open, whatever happened
        await first
    await second
    assert registration_waited
    assert await decision_of(identity, uid) == ("Accepted", None)
