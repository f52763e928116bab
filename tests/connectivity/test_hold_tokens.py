"""Hold tokens at the charger: accepted only at their connector, and for one transaction."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from ocpp.v16 import call

from shared.events.envelope import Envelope
from shared.events.identity import IdTokenDecisionChanged
from shared.kafka import create_producer
from tests.connectivity.clients import charger
from tests.connectivity.support import Service, new_charge_point
from tests.helpers.polling import eventually
from tests.helpers.stack import unique


async def publish_hold_token(service: Service, uid: str, cp_id: str, connector_id: int) -> None:
    """Identity's decision for a hold token (restricted), through the real topic."""
    payload = IdTokenDecisionChanged(
        uid=uid,
        kind="hold",
        user_id=None,
        decision="Accepted",
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
        charge_point_id=cp_id,
        connector_id=connector_id,
        single_use=True,
    )
    envelope = Envelope.wrap(payload, source="identity", subject=uid, correlation_id=None)
    producer = create_producer(os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"], client_id="test-id")
    await producer.start()
    try:
        await producer.send_and_wait(payload.topic.name, envelope.to_bytes(), key=uid.encode())
    finally:
        await producer.stop()

    async def arrived() -> bool:
        return bool(
            await service.pool.fetchval(
                "select count(*) from id_token_restrictions where uid = upper($1)", uid
            )
        )

    await eventually(arrived, timeout=60)


async def test_a_hold_token_starts_one_transaction_at_its_connector_only(
    service: Service,
) -> None:
    cp_id, password = await new_charge_point(service)
    other_id, other_password = await new_charge_point(service)
    uid = unique("H")[:20]
    await publish_hold_token(service, uid, cp_id, 2)

    async with charger(service.ocpp_url, other_id, other_password) as other:
        answer = await other.call(call.Authorize(id_tag=uid))
        assert answer.id_tag_info["status"] == "Invalid"  # another charger

    async with charger(service.ocpp_url, cp_id, password) as cp:
        assert (await cp.call(call.Authorize(id_tag=uid))).id_tag_info["status"] == "Accepted"
        wrong = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag=uid, meter_start=0, timestamp="2026-11-23T10:00:00Z"
            )
        )
        assert wrong.id_tag_info["status"] == "Invalid"  # another connector
        start = await cp.call(
            call.StartTransaction(
                connector_id=2, id_tag=uid, meter_start=0, timestamp="2026-11-23T10:01:00Z"
            )
        )
        assert start.id_tag_info["status"] == "Accepted"
        # The same start resent after a reconnect keeps its answer and its transaction.
        again = await cp.call(
            call.StartTransaction(
                connector_id=2, id_tag=uid, meter_start=0, timestamp="2026-11-23T10:01:00Z"
            )
        )
        assert (again.transaction_id, again.id_tag_info["status"]) == (
            start.transaction_id,
            "Accepted",
        )
        await cp.call(
            call.StopTransaction(
                meter_stop=1000,
                timestamp="2026-11-23T10:30:00Z",
                transaction_id=start.transaction_id,
                id_tag=uid,
            )
        )
        # Used once: a second session with the same token is refused.
        second = await cp.call(
            call.StartTransaction(
                connector_id=2, id_tag=uid, meter_start=1000, timestamp="2026-11-23T11:00:00Z"
            )
        )
        assert second.id_tag_info["status"] == "Invalid"
