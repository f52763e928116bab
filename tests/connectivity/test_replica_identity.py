"""A replica's id is stable across restarts: the same consumer groups, its old chargers released."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from services.connectivity.app import create_app
from services.connectivity.settings import Settings
from tests.connectivity.support import Service, new_charge_point, running, settings_for
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
