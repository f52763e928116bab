"""Payment's holds become one-time, connector-bound id-token decisions on identity.id-tokens.v1.

The holds come on a topic of this module's own: other identities of the test run (with users of
their own) do not decide holds, and this one answers no other test's holds."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.events.envelope import Envelope, EventPayload
from shared.events.identity import IdTokenDecisionChanged
from shared.events.payment import HoldAuthorized, HoldClosed
from shared.events.topics import IDENTITY_ID_TOKENS
from shared.kafka import create_producer
from tests.helpers.polling import eventually
from tests.helpers.stack import unique
from tests.identity.conftest import Identity, create_account, records_for_key
from tools.kafka_topics import ensure_topics

HOLDS_TOPIC = unique("test.identity.holds")
IDENTITY_SETTINGS = {"decide_hold_tokens": True, "holds_topic": HOLDS_TOPIC}


@pytest.fixture(scope="module", autouse=True)
async def holds_topic() -> AsyncIterator[str]:
    """Made before the module's identity starts (autouse fixtures come first in their scope)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"])
    await admin.start()
    try:
        await admin.create_topics([NewTopic(HOLDS_TOPIC, num_partitions=3, replication_factor=1)])
        yield HOLDS_TOPIC
        await admin.delete_topics([HOLDS_TOPIC])
    finally:
        await admin.close()


async def publish_hold_event(payload: EventPayload, hold_id: str) -> None:
    """What payment's outbox publishes on payment.holds.v1 (keyed by hold id), on this module's
    stand-in for it."""
    bootstrap = os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"]
    with contextlib.suppress(TopicAlreadyExistsError):
        await ensure_topics(bootstrap)
    envelope = Envelope.wrap(payload, source="payment", subject=hold_id, correlation_id=unique("t"))
    producer = create_producer(bootstrap, client_id="test-payment")
    await producer.start()
    try:
        await producer.send_and_wait(HOLDS_TOPIC, envelope.to_bytes(), key=hold_id.encode())
    finally:
        await producer.stop()


async def decisions(uid: str) -> list[IdTokenDecisionChanged]:
    return [
        e.payload(IdTokenDecisionChanged) for e in await records_for_key(IDENTITY_ID_TOKENS, uid)
    ]


async def test_a_hold_token_is_accepted_for_its_connector_then_invalid_when_closed(
    identity: Identity,
) -> None:
    hold_id, uid = str(uuid.uuid4()), unique("H")[:20]
    deadline = datetime.now(UTC) + timedelta(minutes=3)
    await publish_hold_event(
        HoldAuthorized(
            hold_id=hold_id,
            id_token=uid,
            user_id=None,
            charge_point_id="CP-HOLD-1",
            connector_id=2,
            expires_at=deadline,
        ),
        hold_id,
    )

    async def accepted() -> bool:
        return len(await decisions(uid)) == 1

    await eventually(accepted, timeout=60)
    decision = (await decisions(uid))[0]
    assert (decision.kind, decision.decision, decision.user_id) == ("hold", "Accepted", None)
    assert (decision.charge_point_id, decision.connector_id, decision.single_use) == (
        "CP-HOLD-1",
        2,
        True,
    )
    assert decision.expires_at == deadline

    await publish_hold_event(HoldClosed(hold_id=hold_id, id_token=uid, outcome="captured"), hold_id)

    async def invalid() -> bool:
        return [d.decision for d in await decisions(uid)] == ["Accepted", "Invalid"]

    await eventually(invalid, timeout=60)


async def test_a_disabled_drivers_hold_token_is_blocked_and_an_active_ones_accepted(
    identity: Identity,
) -> None:
    active, disabled = await create_account(identity), await create_account(identity)
    response = await identity.http.post(f"/v1/users/{disabled.id}/disable", headers=identity.admin)
    assert response.status_code in (200, 204), response.text
    tokens: dict[str, str] = {}
    for account in (active, disabled):
        hold_id, uid = str(uuid.uuid4()), unique("H")[:20]
        tokens[account.id] = uid
        await publish_hold_event(
            HoldAuthorized(
                hold_id=hold_id,
                id_token=uid,
                user_id=account.id,
                charge_point_id="CP-HOLD-2",
                connector_id=1,
                expires_at=datetime.now(UTC) + timedelta(minutes=3),
            ),
            hold_id,
        )

    async def both_decided() -> bool:
        counts = [len(await decisions(uid)) for uid in tokens.values()]
        return counts == [1, 1]

    await eventually(both_decided, timeout=60)
    accepted = (await decisions(tokens[active.id]))[0]
    blocked = (await decisions(tokens[disabled.id]))[0]
    assert (accepted.decision, accepted.user_id) == ("Accepted", active.id)
    assert (blocked.decision, blocked.reason) == ("Blocked", "account-disabled")
