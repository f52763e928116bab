"""The chaos run's own parts that need no stack: its safety rule, its fleet, its table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.chaos.audit import Row, simulator_events, table
from tools.chaos.fleet import chargers, write_seed
from tools.chaos.platform import ChaosPlatform, Ports


def test_the_chaos_run_refuses_the_shared_stacks_ports(tmp_path: Path) -> None:
    for shared in (Ports(postgres=55432), Ports(kafka=9092), Ports(stripe=8420)):
        with pytest.raises(SystemExit, match="shared stack"):
            ChaosPlatform(tmp_path / "chaos", shared).fresh_infra()
    assert not (tmp_path / "chaos").exists()  # refused before anything was started or removed


def test_its_stack_environment_names_its_own_folder_and_ports(tmp_path: Path) -> None:
    env = ChaosPlatform(tmp_path, Ports()).stack_env()
    assert env["LADDA_STACK_DIR"] == str(tmp_path)
    assert (env["LADDA_PG_PORT"], env["LADDA_KAFKA_PORT"], env["LADDA_STRIPE_PORT"]) == (
        "55532",
        "9192",
        "8520",
    )
    assert "DATABASE_URL" not in env


def test_every_charger_has_a_card_of_its_own_and_both_replicas_get_chargers(
    tmp_path: Path,
) -> None:
    fleet = chargers(8, groups=4)
    assert len({cp.tag for cp in fleet}) == 8
    assert {cp.ocpp_version for cp in fleet} == {"1.6", "2.0.1"}
    assert {cp.replica for cp in fleet} == {0, 1}
    assert {cp.group for cp in fleet} == {0, 1, 2, 3}
    write_seed(tmp_path / "chargers.json", fleet)
    seeded = json.loads((tmp_path / "chargers.json").read_text())["charge_points"]
    assert [entry["id"] for entry in seeded] == [cp.id for cp in fleet]


def test_the_table_marks_each_difference(tmp_path: Path) -> None:
    log = tmp_path / "simulator.log"
    log.write_text(
        'LADDA-SIM-001: send [2,"1","Authorize",{}]\n'
        '{"event": "simulator.session.started", "charge_point_id": "CP-1", "transaction_id": 7}\n'
        "{not json\n"
    )
    assert [e["event"] for e in simulator_events([log])] == ["simulator.session.started"]
    rows = [Row("sessions started", 2), Row("recorded", 2, 2), Row("still active", 1, 0)]
    lines = table(rows).splitlines()
    assert lines[2].rstrip().endswith("|  |")  # information only: no verdict
    assert "| ok |" in lines[3] and "| DIFF |" in lines[4]
    assert [row.ok for row in rows] == [True, True, False]
