"""Scenarios, offline queueing and the summary, against the small `ocpp`-library CSMS."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tomllib
from pathlib import Path
from typing import Any

from tests.helpers.stack import ROOT
from tests.tools.csms import FakeCsms
from tests.tools.test_simulator import QUICK_RETRY, make_spec
from tools.simulator.model import ChargingSession, SessionProfile, curve_share
from tools.simulator.scenario import (
    Driver,
    Event,
    Scenario,
    load_scenario,
    parse_scenario,
    seconds,
    shipped,
)
from tools.simulator.simulation import Simulation

SCENARIO_TOML = """
name = "unit"
time_factor = 3600
start = "17:00"
duration = "2h"
max_sessions = 4
meter_interval = "10m"
seed = 3

[fleet]
seed_file = "deploy/local/chargers.json"

[[fleet.chargers]]
prefix = "GEN"
count = 2
ocpp_version = "2.0.1"
connectors = 2
site = "Mall"

[[drivers]]
name = "anna"
tags = ["ANNA-1", "ANNA-2"]
weight = 2

[arrivals]
peak_per_hour = 10

[sessions]
duration = ["10m", "1h"]
power_curve = [[0, 0.5], [50, 1.0], [100, 0.2]]
max_power_kw = 11

[[events]]
at = "17:30"
kind = "network_drop"
site = "Mall"
for = "15m"
"""


def test_a_toml_scenario_describes_fleet_drivers_arrivals_sessions_and_events() -> None:
    scenario = parse_scenario(tomllib.loads(SCENARIO_TOML))
    assert [c.id for c in scenario.chargers][-2:] == ["GEN-001", "GEN-002"]
    assert {c.ocpp_version for c in scenario.chargers} == {"1.6", "2.0.1"}
    assert scenario.drivers == (Driver("anna", ("ANNA-1", "ANNA-2"), 2.0),)
    assert max(scenario.arrivals.per_hour) == 10 and scenario.arrivals.per_hour[18] == 10
    assert scenario.arrivals.per_hour[3] < 1
    assert scenario.session_s == (600.0, 3600.0)
    assert scenario.profile.max_power_kw == 11
    (event,) = scenario.events
    assert (event.at_s, event.kind, event.lasts_s) == (17.5 * 3600, "network_drop", 900.0)
    selected = [c.id for c in scenario.chargers if event.selects(c)]
    assert selected == ["GEN-001", "GEN-002"]
    assert scenario.seed_document()["charge_points"][-1]["location"] == {"site_name": "Mall"}
    assert seconds("1h30m") == 5400 and seconds("20s") == 20


def test_the_shipped_scenarios_load() -> None:
    assert {"quiet-day", "evening-peak", "bad-day"} <= set(shipped())
    bad = load_scenario("bad-day")
    assert {e.kind for e in bad.events} == {
        "fault",
        "network_drop",
        "emergency_stop",
        "tamper",
        "reconnect_storm",
    }


def test_a_power_curve_shapes_the_charging_power() -> None:
    curve = ((0.0, 0.5), (50.0, 1.0), (100.0, 0.2))
    assert curve_share(curve, 25) == 0.75 and curve_share(curve, 75) == 0.6
    profile = SessionProfile(battery_kwh=(50.0,), soc_start=(20, 20), power_curve=curve)

    car = ChargingSession.from_profile(profile, random.Random(1), 1000, 10_000)
    car.advance(60)
    assert car.power_w == 7_000  # 20 % SoC: 0.5 + 0.5 * 20/50 of 10 kW


def _mixed_fleet_scenario(**changes: Any) -> Scenario:
    scenario = Scenario(
        name="mixed",
        chargers=(
            make_spec("SC-16", "1.6", connectors=2),
            make_spec("SC-201", "2.0.1", connectors=2),
        ),
        drivers=(Driver("a", ("TAG-A1", "TAG-A2")), Driver("b", ("TAG-B1",), weight=0.5)),
        time_factor=3600,
        session_s=(600.0, 1200.0),
        meter_interval_s=120.0,
        max_sessions=6,
        seed=7,
    )
    return scenario.replace(**changes)


async def test_a_scenario_charges_its_drivers_on_a_mixed_fleet_and_summarises() -> None:
    scenario = _mixed_fleet_scenario()
    csms = FakeCsms(passwords={c.id: c.password for c in scenario.chargers})
    async with csms.running() as url:
        simulation = Simulation(scenario, url, backoff=QUICK_RETRY)
        simulation.start()
        await asyncio.wait_for(simulation.finished(), 90)
    summary = simulation.summary()
    assert summary["sessions"]["started"] == 6
    assert summary["sessions"]["completed"] == 6
    assert summary["transaction_messages"]["refused"] == 0
    assert summary["transaction_messages"]["pending"] == 0
    assert summary["energy_kwh"] > 0
    assert summary["chargers"]["by_version"] == {"1.6": 1, "2.0.1": 1}
    tags = {s["id_tag"] for s in csms.of("SC-16", "StartTransaction")} | {
        e["id_token"]["id_token"]
        for e in csms.of("SC-201", "TransactionEvent")
        if e["event_type"] == "Started"
    }
    assert tags <= {"TAG-A1", "TAG-A2", "TAG-B1"}
    json.dumps(summary)  # the summary is JSON as it is


async def test_transaction_messages_queue_while_offline_and_replay_in_order() -> None:
    scenario = _mixed_fleet_scenario(
        time_factor=60, meter_interval_s=12.0, max_sessions=0, session_s=(3600.0, 3600.0)
    )
    csms = FakeCsms(passwords={c.id: c.password for c in scenario.chargers})
    async with csms.running() as url:
        simulation = Simulation(scenario.replace(arrivals=_no_arrivals()), url, backoff=QUICK_RETRY)
        simulation.start()
        s16, s201 = simulation.stations
        await csms.wait_for("SC-16", "Heartbeat", timeout=20)
        await csms.wait_for("SC-201", "Heartbeat", timeout=20)
        assert await s16.plug_in(1, "TAG-A1", authorize=True)
        assert await s201.plug_in(1, "TAG-B1", authorize=True)
        await csms.wait_for("SC-16", "MeterValues", timeout=20)
        await csms.wait_for("SC-201", "TransactionEvent", event_type="Updated", timeout=20)
        for station in (s16, s201):
            station.network_up.clear()
            await station.drop_connection()
        online = {s: len(csms.of(s, a)) for s, a in (("SC-16", "MeterValues"),)}
        await _until(lambda: s16.link is None and s201.link is None)
        await asyncio.sleep(0.8)  # a few samples while offline
        for station in (s16, s201):
            for session in station.sessions.values():
                session.request_stop("Local")
        await _until(lambda: not s16.sessions and not s201.sessions)
        assert len(s16.outbox) >= 2 and len(s201.outbox) >= 2
        assert len(csms.of("SC-16", "MeterValues")) == online["SC-16"]
        for station in (s16, s201):
            station.network_up.set()
        await csms.wait_for("SC-16", "StopTransaction", timeout=30)
        await csms.wait_for("SC-201", "TransactionEvent", event_type="Ended", timeout=30)
        summary = await simulation.stop()

    # 1.6: one start; every sample of the transaction in time order, then the stop.
    assert len(csms.of("SC-16", "StartTransaction")) == 1
    actions = [
        m.action
        for m in csms.messages
        if m.charger_id == "SC-16" and m.action in {"MeterValues", "StopTransaction"}
    ]
    assert actions[-1] == "StopTransaction" and actions.count("StopTransaction") == 1
    stamps = [m["meter_value"][0]["timestamp"] for m in csms.of("SC-16", "MeterValues")]
    assert stamps == sorted(stamps) and len(stamps) > online["SC-16"]
    stop = csms.of("SC-16", "StopTransaction")[0]
    assert stop["timestamp"] >= stamps[-1]
    # 2.0.1: one transaction numbered without gaps; what was queued says it was offline.
    events = csms.of("SC-201", "TransactionEvent")
    # A message whose answer the drop swallowed goes again (at least once; the CSMS knows it
    # by its seqNo): numbers never go back and none is missing.
    numbers = [e["seq_no"] for e in events]
    assert numbers == sorted(numbers) and set(numbers) == set(range(max(numbers) + 1))
    assert events[0]["event_type"] == "Started" and events[-1]["event_type"] == "Ended"
    assert any(e.get("offline") for e in events) and not events[0].get("offline")
    assert events[-1]["offline"] is True
    assert summary["transaction_messages"]["queued_offline"] >= 4
    assert summary["transaction_messages"]["replayed"] >= 4
    assert summary["transaction_messages"]["refused"] == 0
    assert summary["sessions"]["completed"] == 2


async def test_faults_emergency_stops_tamper_and_a_reconnect_storm_happen_on_time() -> None:
    chargers = (make_spec("EV-16", "1.6", connectors=1), make_spec("EV-201", "2.0.1", connectors=1))
    scenario = Scenario(
        name="events",
        chargers=chargers,
        drivers=(Driver("x", ("EV-TAG",)),),
        arrivals=_no_arrivals(),
        time_factor=3600,
        start_s=8 * 3600,
        duration_s=6 * 3600,
        events=(
            Event(at_s=8.5 * 3600, kind="fault", chargers=("EV-16",), error_code="GroundFailure",
                  lasts_s=1800),
            Event(at_s=9.5 * 3600, kind="emergency_stop", chargers=("EV-201",), lasts_s=1800),
            Event(at_s=10.5 * 3600, kind="tamper", chargers=("EV-16",), lasts_s=1800),
            Event(at_s=11.5 * 3600, kind="reconnect_storm"),
        ),
    )  # fmt: skip
    csms = FakeCsms(passwords={c.id: c.password for c in chargers})
    async with csms.running() as url:
        simulation = Simulation(scenario, url, backoff=QUICK_RETRY)
        simulation.start()
        await csms.wait_for("EV-201", "Heartbeat", timeout=20)
        assert await simulation.stations[1].plug_in(1, "EV-TAG", authorize=True)
        await csms.wait_for("EV-16", "StatusNotification", status="Faulted", timeout=20)
        await csms.wait_for("EV-201", "TransactionEvent", event_type="Ended", timeout=20)
        await csms.wait_for("EV-16", "SecurityEventNotification", timeout=20)
        # The storm: both drop at once and are back at once (and boot no more: still powered).
        await _until(lambda: simulation.stats.connects >= 4, timeout=60)
        await _until(lambda: all(s.online for s in simulation.stations), timeout=60)
        await simulation.stop()
    faulted = csms.of("EV-16", "StatusNotification")
    assert next(s["error_code"] for s in faulted if s["status"] == "Faulted") == "GroundFailure"
    assert [s["status"] for s in faulted][-1] == "Available"  # cleared after half an hour
    ended = csms.of("EV-201", "TransactionEvent")[-1]
    assert ended["transaction_info"]["stopped_reason"] == "EmergencyStop"
    assert {"evse_id": 1, "connector_status": "Faulted"}.items() <= {
        k: v
        for s in csms.of("EV-201", "StatusNotification")
        if s["connector_status"] == "Faulted"
        for k, v in s.items()
    }.items()
    assert csms.of("EV-16", "SecurityEventNotification")[0]["type"] == "TamperDetectionActivated"
    assert len(csms.of("EV-16", "BootNotification")) == 1
    assert [e.split(" ", 3)[3].split(" ")[0] for e in simulation.stats.events_applied] == [
        "fault",
        "emergency_stop",
        "tamper",
        "reconnect_storm",
    ]


async def test_the_command_line_runs_a_scenario_file_and_writes_the_summary(
    tmp_path: Path,
) -> None:
    seed = {"charge_points": [make_spec("CLI-SC", "2.0.1", connectors=1).seed_entry()]}
    (tmp_path / "chargers.json").write_text(json.dumps(seed))
    (tmp_path / "s.toml").write_text(
        'name = "cli"\ntime_factor = 3600\nmax_sessions = 2\nmeter_interval = "10m"\n'
        f'[fleet]\nseed_file = "{tmp_path / "chargers.json"}"\n'
        '[[drivers]]\nname = "d"\ntags = ["CLI-TAG"]\n[arrivals]\npeak_per_hour = 60\n'
        '[sessions]\nduration = ["10m", "20m"]\n'
    )
    csms = FakeCsms(passwords={"CLI-SC": seed["charge_points"][0]["password"]})
    summary_file = tmp_path / "summary.json"
    async with csms.running() as url:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tools.simulator",
            "--scenario",
            str(tmp_path / "s.toml"),
            "--url",
            url,
            "--summary-json",
            str(summary_file),
            "--start",
            "18:00",
            cwd=ROOT,
            env={**os.environ, "LADDA_LOG_FORMAT": "json"},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 0, stderr.decode()
    summary = json.loads(summary_file.read_text())
    assert summary["scenario"] == "cli"
    assert summary["sessions"]["completed"] == 2


def _no_arrivals() -> Any:
    from tools.simulator.scenario import Arrivals

    return Arrivals(per_hour=(0.0,) * 24)


async def _until(predicate: Any, timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


def test_the_live_view_shows_chargers_sessions_energy_commands_and_errors() -> None:
    from rich.console import Console

    from tools.simulator.live import render

    simulation = Simulation(_mixed_fleet_scenario(), "ws://127.0.0.1:1/ocpp")
    stats = simulation.stats
    stats.sessions_started, stats.sessions_completed, stats.energy_wh = 5, 4, 61_300
    stats.tx_queued_offline, stats.tx_replayed = 7, 7
    stats.commands["RemoteStartTransaction"] += 2
    stats.error("SC-16: StatusNotification TimeoutError()")
    simulation.stations[0].status[1] = "Faulted"
    console = Console(record=True, width=140)
    console.print(render(simulation))
    text = console.export_text()
    for expected in (
        "0/2 online",
        "Faulted 1",
        "5 started, 4 done",
        "61.3 kWh",
        "7 queued offline, 7 replayed",
        "RemoteStartTransaction 2",
        "SC-16",
        "SC-201",
        "errors (1)",
    ):
        assert expected in text, expected
