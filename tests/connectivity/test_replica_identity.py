"""A replica's id is stable across restarts: the same consumer groups, its old chargers released."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from pydantic import SecretStr

from services.connectivity.app import create_app
from services.connectivity.settings import Settings
from shared.events.commands import CommandRequested
from shared.events.envelope import Envelope
from shared.kafka import create_producer
from tests.connectivity.support import (
    BOOTSTRAP,
    Service,
    new_charge_point,
    running,
    settings_for,
)
from tests.helpers.polling import eventually
from tests.helpers.stack import unique


def test_replica_id_defaults_to_the_pod_name_and_is_overridable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOSTNAME", "connectivity-1")
    monkeypatch.delenv("LADDA_CONNECTIVITY_REPLICA_ID", raising=False)
    first = Settings(database_url=SecretStr("postgresql://x/y"))
    second = Settings(database_url=SecretStr("postgresql://x/y"))
    assert first.replica_id == second.replica_id == "connectivity-1"
    monkeypatch.setenv("LADDA_CONNECTIVITY_REPLICA_ID", "edge-a")
    assert Settings(database_url=SecretStr("postgresql://x/y")).replica_id == "edge-a"


def test_a_restarted_replica_reuses_its_consumer_groups() -> None:
    settings = Settings(database_url=SecretStr("postgresql://x/y"), replica_id="connectivity-0")
    names = []
    for _ in range(2):
        app = create_app(settings)
        names.append(app.state.runtime.consumer_name(f"commands.{app.state.hub.replica_id}"))
    assert names[0] == names[1] == "connectivity.commands.connectivity-0"


async def test_a_restarted_replica_releases_the_chargers_it_held_before(service: Service) -> None:
    """After a crash the same id comes back: its old presence rows must not attract commands."""
    replica = unique("replica")
    cp_id, _ = await new_charge_point(service)
    await service.pool.execute(
        "insert into replicas (replica_id, heartbeat_at) values ($1, now())", replica
    )
    await service.pool.execute(
        "insert into charge_point_presence (charge_point_id, replica_id, connection_id) "
        "values ($1, $2, 'old')",
        cp_id,
        replica,
    )
    await service.pool.execute("update charge_points set online = true where id = $1", cp_id)
    async with running(settings_for(service.dsn, replica_id=replica)):
        held = await service.pool.fetchval(
            "select count(*) from charge_point_presence where charge_point_id = $1", cp_id
        )
        online = await service.pool.fetchval(
            "select online from charge_points where id = $1", cp_id
        )
    assert held == 0
    assert online is False


async def publish_command_for(cp_id: str) -> str:
    """A command event as another service would publish it; its event id."""
    command_id = str(uuid.uuid4())
    event = CommandRequested(
        command_id=command_id,
        charge_point_id=cp_id,
        action="ClearCache",
        payload={},
        requested_by="svc-test",
        requested_scopes=[],
    )
    envelope = Envelope.wrap(event, source="test", subject=command_id, correlation_id=None)
    producer = create_producer(BOOTSTRAP, client_id="test-replica-identity")
    await producer.start()
    try:
        await producer.send_and_wait(event.topic.name, envelope.to_bytes(), key=cp_id.encode())
    finally:
        await producer.stop()
    return str(envelope.id)


async def test_a_new_replica_does_not_replay_a_day_of_commands(service: Service) -> None:
    """A new consumer group starts at the last `command_replay_lookback_s`, not at the beginning."""
    old = await publish_command_for("CP-NOWHERE")
    await asyncio.sleep(3)  # the old command is now older than the lookback below
    replica_id = unique("replica")
    settings = settings_for(service.dsn, replica_id=replica_id, command_replay_lookback_s=2)
    async with running(settings) as replica:
        consumer = replica.app.state.runtime.consumer_name(f"commands.{replica_id}")

        async def seen(event_id: str) -> bool:
            return bool(
                await service.pool.fetchval(
                    "select count(*) from inbox where consumer = $1 and event_id = $2",
                    consumer,
                    uuid.UUID(event_id),
                )
            )

        await asyncio.sleep(1)  # joined its group; the next command is recent
        new = await publish_command_for("CP-NOWHERE")

        async def new_seen() -> bool:
            return await seen(new)

        await eventually(new_seen, timeout=60)
        assert not await seen(old)
