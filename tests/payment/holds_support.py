"""Holds in tests: what connectivity, identity and the payer's Stripe SDK do around payment."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from services.payment.stripe_gateway import StripeHttpClient
from shared.events.chargepoints import ChargePointLocation, ChargePointRegistered
from shared.events.charging import SessionStarted
from shared.events.commands import CommandCompleted
from shared.events.envelope import Envelope, EventPayload
from shared.events.identity import IdTokenDecisionChanged
from shared.events.payment import HoldAuthorized
from shared.events.topics import CONNECTIVITY_COMMANDS, PAYMENT_HOLDS
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, unique
from tests.payment.support import (
    STRIPE_BASE,
    STRIPE_KEY,
    PaymentService,
    publish_envelope,
    records_for_key,
    running,
    stripe_client,
)
from tools.kafka_topics import ensure_topics


@contextlib.asynccontextmanager
async def new_topics(*purposes: str) -> AsyncIterator[dict[str, str]]:
    """Topics of this test module's own, standing in for the platform's shared ones."""
    names = {purpose: unique(f"test.payment.{purpose}") for purpose in purposes}
    # The platform's topics payment writes to (payment.holds.v1 is new), as the stack makes them.
    with contextlib.suppress(TopicAlreadyExistsError):
        await ensure_topics(os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"])
    admin = AIOKafkaAdminClient(bootstrap_servers=os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"])
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(name, num_partitions=3, replication_factor=1) for name in names.values()]
        )
        yield names
        await admin.delete_topics(list(names.values()))
    finally:
        await admin.close()


async def publish(topic: str, payload: EventPayload, *, key: str, source: str) -> Envelope:
    envelope = Envelope.wrap(payload, source=source, subject=key, correlation_id=unique("test"))
    await publish_envelope(topic, envelope, key=key)
    return envelope


async def register_charger(
    service: PaymentService, topic: str, *, version: str = "1.6", connectors: int = 2
) -> str:
    """What connectivity publishes on chargepoints.registry.v1; waits until payment knows it."""
    cp_id = unique("HOLD-CP")
    await publish(
        topic,
        ChargePointRegistered(
            charge_point_id=cp_id,
            ocpp_version=version,
            vendor="Test",
            model="T1",
            serial_number=None,
            firmware_version=None,
            connectors=connectors,
            location=ChargePointLocation(site_name="Test site"),
            approval="approved",
        ),
        key=cp_id,
        source="connectivity",
    )

    async def known() -> bool:
        return bool(
            await service.db.fetchval("select count(*) from charge_points where id = $1", cp_id)
        )

    await eventually(known)
    return cp_id


@contextlib.asynccontextmanager
async def sdk_client() -> AsyncIterator[stripe.StripeClient]:
    """A Stripe client that writes (the service's httpx client: no deprecated `data=` bodies)."""
    http = StripeHttpClient(timeout=20)
    try:
        yield stripe.StripeClient(STRIPE_KEY, base_addresses={"api": STRIPE_BASE}, http_client=http)
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]


async def pay_with_card(intent_id: str, card: str = "pm_card_visa") -> dict[str, Any]:
    """What the payer's Stripe SDK does with the client secret: attach a card and confirm."""
    async with sdk_client() as client:
        await client.v1.payment_intents.update_async(intent_id, params={"payment_method": card})
        confirmed = await client.v1.payment_intents.confirm_async(intent_id)
    result: dict[str, Any] = confirmed.to_dict()
    return result


async def intent(intent_id: str) -> dict[str, Any]:
    async with stripe_client() as client:
        found = await client.v1.payment_intents.retrieve_async(intent_id)
    result: dict[str, Any] = found.to_dict()
    return result


async def hold_row(service: PaymentService, hold_id: str) -> dict[str, Any]:
    row = await service.db.fetchrow("select * from holds where id = $1", uuid.UUID(hold_id))
    assert row is not None
    return dict(row)


async def wait_for_status(service: PaymentService, hold_id: str, status: str) -> dict[str, Any]:
    async def reached() -> bool:
        return bool((await hold_row(service, hold_id))["status"] == status)

    await eventually(reached)
    return await hold_row(service, hold_id)


async def hold_events(hold_id: str) -> list[Envelope]:
    return await records_for_key(PAYMENT_HOLDS, hold_id)


async def commands_to(cp_id: str) -> list[Envelope]:
    return await records_for_key(CONNECTIVITY_COMMANDS, cp_id)


async def accept_token(
    topic: str, uid: str, user_id: str | None, cp_id: str, connector: int
) -> None:
    """Identity's answer to hold.authorized (its own consumer is tested in tests/identity)."""
    await publish(
        topic,
        IdTokenDecisionChanged(
            uid=uid,
            kind="hold",
            user_id=user_id,
            decision="Accepted",
            charge_point_id=cp_id,
            connector_id=connector,
            single_use=True,
        ),
        key=uid,
        source="identity",
    )


async def charger_answers(
    topic: str, command: Envelope, *, outcome: str = "Answered", status: str | None = "Accepted"
) -> None:
    data = command.data
    await publish(
        topic,
        CommandCompleted.model_validate(
            {
                "command_id": data["command_id"],
                "charge_point_id": data["charge_point_id"],
                "action": data["action"],
                "outcome": outcome,
                "response": {"status": status} if status else None,
                "at": datetime.now(UTC),
            }
        ),
        key=data["charge_point_id"],
        source="connectivity",
    )


@contextlib.asynccontextmanager
async def payment_with_holds(
    name: str, sessions: str, streams: dict[str, str], **overrides: Any
) -> AsyncIterator[PaymentService]:
    """A payment service reading identity's, connectivity's and the registry's test topics."""
    dsn = await fresh_database(name)
    async with running(
        dsn,
        sessions_topic=sessions,
        id_tokens_topic=streams["id-tokens"],
        command_results_topic=streams["results"],
        registry_topic=streams["registry"],
        holds_poll_interval_s=0.3,
        **overrides,
    ) as service:
        yield service


@dataclass(frozen=True)
class Started:
    id_token: str
    session_id: str
    transaction_id: str
    started_at: datetime


async def start_charging(
    service: PaymentService,
    sessions: str,
    streams: dict[str, str],
    hold_id: str,
    user_id: str | None,
) -> Started:
    """After hold.authorized: identity accepts the token, the charger accepts the remote start
    and starts a session with it (what identity, connectivity and the charger do)."""

    async def authorized() -> bool:
        return any(e.type == HoldAuthorized.event_type for e in await hold_events(hold_id))

    await eventually(authorized)
    event = next(
        e for e in await hold_events(hold_id) if e.type == HoldAuthorized.event_type
    ).payload(HoldAuthorized)
    cp_id, connector = event.charge_point_id, event.connector_id
    await accept_token(streams["id-tokens"], event.id_token, user_id, cp_id, connector)

    async def start_sent() -> bool:
        return any(
            e.data["action"] in ("RemoteStartTransaction", "RequestStartTransaction")
            and event.id_token in str(e.data["payload"])
            for e in await commands_to(cp_id)
        )

    await eventually(start_sent)
    command = next(e for e in await commands_to(cp_id) if event.id_token in str(e.data["payload"]))
    await charger_answers(streams["results"], command)
    started = Started(
        event.id_token,
        "sess-" + uuid.uuid4().hex[:12],
        str(uuid.uuid4().int % 100_000),
        datetime.now(UTC) - timedelta(hours=1),
    )
    await publish(
        sessions,
        SessionStarted(
            session_id=started.session_id,
            charge_point_id=cp_id,
            connector_id=connector,
            transaction_id=started.transaction_id,
            id_tag=event.id_token,
            user_id=user_id,
            authorization="Accepted",
            started_at=started.started_at,
            meter_start_wh=0,
        ),
        key=cp_id,
        source="connectivity",
    )
    await wait_for_status(service, hold_id, "charging")
    return started
