"""The simulated fleet over real WebSockets against a central system on the `ocpp` library."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.helpers.stack import ROOT
from tests.tools.csms import FakeCsms
from tools.simulator.fleet import Backoff, run_charger, run_fleet
from tools.simulator.seed import ChargerSpec, load_seed
from tools.simulator.station import SimOptions

FAST = SimOptions(session_every_s=0, meter_interval_s=0.2, session_max_s=2, time_factor=600)
QUICK_RETRY = Backoff(initial_s=0.05, max_s=0.2)


def make_spec(
    charger_id: str, version: str, connectors: int = 2, **overrides: object
) -> ChargerSpec:
    values: dict[str, object] = {
        "id": charger_id,
        "password": f"{charger_id}-secret",
        "ocpp_version": version,
        "vendor": "Ladda",
        "model": "SimCharger AC22",
        "serial_number": f"SN-{charger_id}",
        "connectors": connectors,
        **overrides,
    }
    return ChargerSpec(**values)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def fleet(
    csms: FakeCsms, specs: list[ChargerSpec], options: SimOptions = FAST
) -> AsyncIterator[asyncio.Event]:
    for spec in specs:
        csms.passwords.setdefault(spec.id, spec.password)
    async with csms.running() as url:
        stop = asyncio.Event()
        task = asyncio.create_task(
            run_fleet(specs, url, options, stop, backoff=QUICK_RETRY, seed=1)
        )
        try:
            yield stop
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)


async def test_chargers_boot_report_every_connector_and_heartbeat_at_the_given_interval() -> None:
    csms = FakeCsms(passwords={})
    specs = [make_spec("T16-BOOT", "1.6"), make_spec("T201-BOOT", "2.0.1")]
    async with fleet(csms, specs):
        for spec in specs:
            await csms.wait_for(spec.id, "Heartbeat", count=2, timeout=5)
    boot16 = csms.of("T16-BOOT", "BootNotification")[0]
    assert boot16["charge_point_vendor"] == "Ladda"
    assert boot16["charge_point_serial_number"] == "SN-T16-BOOT"
    assert {s["connector_id"] for s in csms.of("T16-BOOT", "StatusNotification")} == {1, 2}
    boot201 = csms.of("T201-BOOT", "BootNotification")[0]
    assert boot201["charging_station"]["serial_number"] == "SN-T201-BOOT"
    statuses201 = csms.of("T201-BOOT", "StatusNotification")
    assert {(s["evse_id"], s["connector_status"]) for s in statuses201} == {
        (1, "Available"),
        (2, "Available"),
    }


async def test_a_16_session_authorizes_meters_energy_power_and_soc_and_stops() -> None:
    csms = FakeCsms(passwords={})
    options = SimOptions(
        session_every_s=0.1, meter_interval_s=0.1, session_max_s=0.5, time_factor=600
    )
    async with fleet(csms, [make_spec("T16-SESSION", "1.6", connectors=1)], options):
        stop = (await csms.wait_for("T16-SESSION", "StopTransaction", timeout=60))[0]
        await csms.wait_for(
            "T16-SESSION", "StatusNotification", count=2, status="Available", timeout=60
        )
    assert csms.of("T16-SESSION", "Authorize")[0]["id_tag"] == options.id_tag
    start = csms.of("T16-SESSION", "StartTransaction")[0]
    assert start["id_tag"] == options.id_tag
    samples = [
        s
        for s in csms.of("T16-SESSION", "MeterValues")
        if s["transaction_id"] == stop["transaction_id"]
    ]
    assert samples
    measurands = {v["measurand"] for s in samples for v in s["meter_value"][0]["sampled_value"]}
    assert measurands == {"Energy.Active.Import.Register", "Power.Active.Import", "SoC"}
    registers = [
        int(v["value"])
        for s in samples
        for v in s["meter_value"][0]["sampled_value"]
        if v["measurand"] == "Energy.Active.Import.Register"
    ]
    assert registers == sorted(registers) and registers[0] > start["meter_start"]
    assert stop["meter_stop"] >= registers[-1]
    assert stop["reason"] in {"Local", "EVDisconnected"}
    statuses = [s["status"] for s in csms.of("T16-SESSION", "StatusNotification")]
    assert statuses[:5] == ["Available", "Preparing", "Charging", "Finishing", "Available"]


async def test_a_201_session_sends_transaction_events_started_updated_ended_in_sequence() -> None:
    csms = FakeCsms(passwords={})
    options = SimOptions(
        session_every_s=0.1, meter_interval_s=0.1, session_max_s=0.5, time_factor=600
    )
    async with fleet(csms, [make_spec("T201-SESSION", "2.0.1", connectors=1)], options):
        await csms.wait_for("T201-SESSION", "TransactionEvent", event_type="Ended")
    events = [e for e in csms.of("T201-SESSION", "TransactionEvent")]
    first_id = events[0]["transaction_info"]["transaction_id"]
    this = [e for e in events if e["transaction_info"]["transaction_id"] == first_id]
    assert next(e["event_type"] for e in this) == "Started"
    assert this[-1]["event_type"] == "Ended"
    assert all(e["event_type"] == "Updated" for e in this[1:-1]) and len(this) >= 3
    assert [e["seq_no"] for e in this] == list(range(len(this)))
    assert this[0]["id_token"] == {"id_token": options.id_tag, "type": "ISO14443"}
    soc = [
        v["value"]
        for e in this
        for v in e["meter_value"][0]["sampled_value"]
        if v["measurand"] == "SoC"
    ]
    assert soc == sorted(soc) and 0 < soc[0] <= 100
    assert this[-1]["transaction_info"]["stopped_reason"] in {"Local", "EVDisconnected"}


async def test_16_remote_commands_are_answered_and_carried_out() -> None:
    csms = FakeCsms(passwords={})
    async with fleet(csms, [make_spec("T16-CMD", "1.6")]):
        await csms.wait_for("T16-CMD", "Heartbeat")
        central = csms.connected["T16-CMD"]

        started = await central.call(
            call16.RemoteStartTransaction(id_tag="REMOTE-TAG", connector_id=2), suppress=False
        )
        assert started.status == "Accepted"
        start = (await csms.wait_for("T16-CMD", "StartTransaction"))[0]
        assert (start["connector_id"], start["id_tag"]) == (2, "REMOTE-TAG")
        await csms.wait_for("T16-CMD", "MeterValues")
        transaction_id = csms.of("T16-CMD", "MeterValues")[0]["transaction_id"]
        stopped = await central.call(
            call16.RemoteStopTransaction(transaction_id=transaction_id), suppress=False
        )
        assert stopped.status == "Accepted"
        stop = (await csms.wait_for("T16-CMD", "StopTransaction"))[0]
        assert (stop["transaction_id"], stop["reason"]) == (transaction_id, "Remote")
        unknown = await central.call(
            call16.RemoteStopTransaction(transaction_id=99_999), suppress=False
        )
        assert unknown.status == "Rejected"

        changed = await central.call(
            call16.ChangeConfiguration(key="HeartbeatInterval", value="2"), suppress=False
        )
        assert changed.status == "Accepted"
        assert (
            await central.call(call16.ChangeConfiguration(key="Nope", value="1"), suppress=False)
        ).status == "NotSupported"
        config = await central.call(
            call16.GetConfiguration(key=["HeartbeatInterval", "Nope"]), suppress=False
        )
        assert config.configuration_key == [
            {"key": "HeartbeatInterval", "readonly": False, "value": "2"}
        ]
        assert config.unknown_key == ["Nope"]

        reserved = await central.call(
            call16.ReserveNow(
                connector_id=1,
                expiry_date="2099-01-01T00:00:00Z",
                id_tag="BOOKED",
                reservation_id=7,
            ),
            suppress=False,
        )
        assert reserved.status == "Accepted"
        await csms.wait_for("T16-CMD", "StatusNotification", connector_id=1, status="Reserved")
        # Someone else cannot start on the reserved connector.
        refused = await central.call(
            call16.RemoteStartTransaction(id_tag="OTHER", connector_id=1), suppress=False
        )
        assert refused.status == "Rejected"
        cancelled = await central.call(call16.CancelReservation(reservation_id=7), suppress=False)
        assert cancelled.status == "Accepted"
        await csms.wait_for(
            "T16-CMD", "StatusNotification", connector_id=1, status="Available", count=2
        )

        availability = await central.call(
            call16.ChangeAvailability(connector_id=1, type="Inoperative"), suppress=False
        )
        assert availability.status == "Accepted"
        await csms.wait_for("T16-CMD", "StatusNotification", connector_id=1, status="Unavailable")

        triggered = await central.call(
            call16.TriggerMessage(requested_message="Heartbeat"), suppress=False
        )
        assert triggered.status == "Accepted"
        unlocked = await central.call(call16.UnlockConnector(connector_id=2), suppress=False)
        assert unlocked.status == "Unlocked"
        echoed = await central.call(
            call16.DataTransfer(vendor_id="Ladda", message_id="ping", data="hello"), suppress=False
        )
        assert (echoed.status, echoed.data) == ("Accepted", "hello")
        await central.call(
            call16.UpdateFirmware(
                location="https://fw.example/1.bin", retrieve_date="2026-01-01T00:00:00Z"
            ),
            suppress=False,
        )
        await csms.wait_for("T16-CMD", "FirmwareStatusNotification", status="Installed")


async def test_201_remote_commands_are_answered_and_carried_out() -> None:
    csms = FakeCsms(passwords={})
    async with fleet(csms, [make_spec("T201-CMD", "2.0.1")]):
        await csms.wait_for("T201-CMD", "Heartbeat")
        central = csms.connected["T201-CMD"]

        started = await central.call(
            call201.RequestStartTransaction(
                id_token={"id_token": "REMOTE-TAG", "type": "ISO14443"},
                remote_start_id=42,
                evse_id=1,
            ),
            suppress=False,
        )
        assert started.status == "Accepted"
        first = (await csms.wait_for("T201-CMD", "TransactionEvent", event_type="Started"))[0]
        assert first["transaction_info"]["remote_start_id"] == 42
        assert first["trigger_reason"] == "RemoteStart"
        transaction_id = first["transaction_info"]["transaction_id"]
        stopped = await central.call(
            call201.RequestStopTransaction(transaction_id=transaction_id), suppress=False
        )
        assert stopped.status == "Accepted"
        ended = (await csms.wait_for("T201-CMD", "TransactionEvent", event_type="Ended"))[0]
        assert ended["transaction_info"]["stopped_reason"] == "Remote"

        set_result = await central.call(
            call201.SetVariables(
                set_variable_data=[
                    {
                        "attribute_value": "5",
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                    },
                    {
                        "attribute_value": "x",
                        "component": {"name": "ChargingStation"},
                        "variable": {"name": "Model"},
                    },
                ]
            ),
            suppress=False,
        )
        assert [r["attribute_status"] for r in set_result.set_variable_result] == [
            "Accepted",
            "Rejected",
        ]
        got = await central.call(
            call201.GetVariables(
                get_variable_data=[
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                    },
                    {"component": {"name": "Nowhere"}, "variable": {"name": "X"}},
                ]
            ),
            suppress=False,
        )
        assert [
            (r["attribute_status"], r.get("attribute_value")) for r in got.get_variable_result
        ] == [
            ("Accepted", "5"),
            ("UnknownComponent", None),
        ]
        report = await central.call(
            call201.GetBaseReport(request_id=3, report_base="FullInventory"), suppress=False
        )
        assert report.status == "Accepted"
        notified = (await csms.wait_for("T201-CMD", "NotifyReport"))[0]
        assert notified["request_id"] == 3 and notified["report_data"]

        reserved = await central.call(
            call201.ReserveNow(
                id=9,
                expiry_date_time="2099-01-01T00:00:00Z",
                id_token={"id_token": "BOOKED", "type": "ISO14443"},
                evse_id=2,
            ),
            suppress=False,
        )
        assert reserved.status == "Accepted"
        await csms.wait_for(
            "T201-CMD", "StatusNotification", evse_id=2, connector_status="Reserved"
        )
        assert (
            await central.call(call201.CancelReservation(reservation_id=9), suppress=False)
        ).status == "Accepted"
        availability = await central.call(
            call201.ChangeAvailability(operational_status="Inoperative", evse={"id": 2}),
            suppress=False,
        )
        assert availability.status == "Accepted"
        await csms.wait_for(
            "T201-CMD", "StatusNotification", evse_id=2, connector_status="Unavailable"
        )
        unlocked = await central.call(
            call201.UnlockConnector(evse_id=1, connector_id=1), suppress=False
        )
        assert unlocked.status == "Unlocked"
        triggered = await central.call(
            call201.TriggerMessage(requested_message="StatusNotification", evse={"id": 1}),
            suppress=False,
        )
        assert triggered.status == "Accepted"
        echoed = await central.call(call201.DataTransfer(vendor_id="Other"), suppress=False)
        assert echoed.status == "UnknownVendorId"


async def test_a_reset_boots_again_and_a_dropped_connection_reconnects_without_a_boot() -> None:
    csms = FakeCsms(passwords={})
    async with fleet(csms, [make_spec("T16-RESET", "1.6"), make_spec("T201-DROP", "2.0.1")]):
        await csms.wait_for("T16-RESET", "Heartbeat")
        await csms.wait_for("T201-DROP", "Heartbeat")
        reset = await csms.connected["T16-RESET"].call(call16.Reset(type="Soft"), suppress=False)
        assert reset.status == "Accepted"
        await csms.connections["T201-DROP"].close()
        await csms.wait_for("T16-RESET", "BootNotification", count=2)
        # Still powered on: it reconnects and reports its connectors, but does not boot (a boot
        # would tell the CSMS it restarted and lost its sessions).
        await csms.wait_for("T201-DROP", "StatusNotification", count=4)
        await csms.wait_for("T201-DROP", "Heartbeat", count=3)
    assert len(csms.of("T201-DROP", "BootNotification")) == 1


async def test_a_session_survives_a_dropped_connection_and_stops_after_reconnect() -> None:
    csms = FakeCsms(passwords={})
    # The session is long: it must not end on its own while the charger is offline (a loaded
    # machine can stretch the reconnect); the CSMS stops it once the charger is back.
    options = SimOptions(session_every_s=0, meter_interval_s=0.1, session_max_s=600, time_factor=1)
    async with fleet(csms, [make_spec("T16-KEEP", "1.6", connectors=1)], options):
        await csms.wait_for("T16-KEEP", "Heartbeat", timeout=60)
        await csms.connected["T16-KEEP"].call(
            call16.RemoteStartTransaction(id_tag="KEEP-TAG"), suppress=False
        )
        await csms.wait_for("T16-KEEP", "MeterValues", timeout=60)
        first = csms.connected["T16-KEEP"]
        await csms.connections["T16-KEEP"].close()
        deadline = asyncio.get_running_loop().time() + 60
        while csms.connected.get("T16-KEEP") in (None, first):
            assert asyncio.get_running_loop().time() < deadline, "no reconnect"
            await asyncio.sleep(0.05)
        transaction_id = csms.of("T16-KEEP", "MeterValues")[0]["transaction_id"]
        # Metering goes on over the new connection: the session survived the drop.
        metered = len(csms.of("T16-KEEP", "MeterValues"))
        await csms.wait_for("T16-KEEP", "MeterValues", count=metered + 1, timeout=60)
        stopped = await csms.connected["T16-KEEP"].call(
            call16.RemoteStopTransaction(transaction_id=transaction_id), suppress=False
        )
        assert stopped.status == "Accepted"
        stop = (await csms.wait_for("T16-KEEP", "StopTransaction", timeout=60))[0]
    starts = csms.of("T16-KEEP", "StartTransaction")
    assert len(starts) == 1
    assert stop["transaction_id"] == transaction_id


async def test_callerrors_from_the_csms_neither_stop_the_charger_nor_its_session() -> None:
    csms = FakeCsms(
        passwords={}, failing_actions={"Heartbeat", "MeterValues", "StatusNotification"}
    )
    options = SimOptions(
        session_every_s=0, meter_interval_s=0.1, session_max_s=1, time_factor=600, tx_retry_s=0.05
    )
    async with fleet(csms, [make_spec("T16-ERRORS", "1.6", connectors=1)], options):
        await csms.wait_for("T16-ERRORS", "Heartbeat", count=2, timeout=5)
        started = await csms.connected["T16-ERRORS"].call(
            call16.RemoteStartTransaction(id_tag="ERR-TAG"), suppress=False
        )
        assert started.status == "Accepted"
        await csms.wait_for("T16-ERRORS", "MeterValues", count=2)
        await csms.wait_for("T16-ERRORS", "StopTransaction")
        await csms.wait_for("T16-ERRORS", "Heartbeat", count=4, timeout=5)
    # One connection throughout: the errors were answers, not reasons to reconnect.
    assert len(csms.of("T16-ERRORS", "BootNotification")) == 1


async def test_stopping_the_fleet_ends_running_sessions_before_disconnecting() -> None:
    csms = FakeCsms(passwords={})
    options = SimOptions(session_every_s=0, meter_interval_s=0.1, session_max_s=600, time_factor=1)
    async with fleet(csms, [make_spec("T16-OFF", "1.6"), make_spec("T201-OFF", "2.0.1")], options):
        await csms.wait_for("T16-OFF", "Heartbeat")
        await csms.wait_for("T201-OFF", "Heartbeat")
        await csms.connected["T16-OFF"].call(
            call16.RemoteStartTransaction(id_tag="OFF-TAG"), suppress=False
        )
        await csms.connected["T201-OFF"].call(
            call201.RequestStartTransaction(
                id_token={"id_token": "OFF-TAG", "type": "ISO14443"}, remote_start_id=1
            ),
            suppress=False,
        )
        await csms.wait_for("T16-OFF", "MeterValues")
        await csms.wait_for("T201-OFF", "TransactionEvent", event_type="Updated")
    assert csms.of("T16-OFF", "StopTransaction")[0]["reason"] == "Reboot"
    ended = csms.of("T201-OFF", "TransactionEvent")[-1]
    assert (ended["event_type"], ended["transaction_info"]["stopped_reason"]) == ("Ended", "Reboot")


async def test_pending_boot_is_retried_until_accepted() -> None:
    csms = FakeCsms(passwords={}, boot_status="Pending")
    async with fleet(csms, [make_spec("T16-PENDING", "1.6")]):
        await csms.wait_for("T16-PENDING", "BootNotification", count=2, timeout=5)
        assert csms.of("T16-PENDING", "Heartbeat") == []
        csms.boot_status = "Accepted"
        await csms.wait_for("T16-PENDING", "Heartbeat", timeout=5)


async def test_a_refused_handshake_is_retried_with_backoff_until_stopped() -> None:
    csms = FakeCsms(passwords={"T16-WRONG": "the-right-one"})
    spec = make_spec("T16-WRONG", "1.6")
    async with csms.running() as url:
        stop = asyncio.Event()
        task = asyncio.create_task(
            run_charger(spec, url, FAST, stop, backoff=Backoff(initial_s=0.05, max_s=0.4))
        )
        await asyncio.sleep(1.5)
        stop.set()
        station = await asyncio.wait_for(task, 5)
    # Doubling from 50 ms (with jitter) to 400 ms gives a handful of tries in 1.5 s, not hundreds.
    assert 3 <= len(csms.refused) <= 15
    assert not station.booted and csms.messages == []


async def test_the_command_line_connects_the_seed_file_and_stops_cleanly_on_sigterm(
    tmp_path: Path,
) -> None:
    seed = {
        "charge_points": [
            {"id": "CLI-16", "password": "p16", "ocpp_version": "1.6", "connectors": 1},
            {"id": "CLI-201", "password": "p201", "ocpp_version": "2.0.1", "connectors": 1},
        ]
    }
    seed_file = tmp_path / "chargers.json"
    seed_file.write_text(json.dumps(seed))
    assert [s.id for s in load_seed(seed_file)] == ["CLI-16", "CLI-201"]
    csms = FakeCsms(passwords={"CLI-16": "p16", "CLI-201": "p201"})
    async with csms.running() as url:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tools.simulator",
            "--seed-file",
            str(seed_file),
            "--url",
            url,
            cwd=ROOT,
            env={**os.environ, "LADDA_LOG_FORMAT": "json"},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await csms.wait_for("CLI-16", "StatusNotification", timeout=15)
            await csms.wait_for("CLI-201", "StatusNotification", timeout=15)
        finally:
            process.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0, stderr.decode()
    events = [json.loads(line) for line in stdout.decode().splitlines() if line.startswith("{")]
    names = [e["event"] for e in events]
    assert "simulator.start" in names and names[-1] == "simulator.stopped"
    boots = [e for e in events if e["event"] == "simulator.boot"]
    assert {e["charge_point_id"] for e in boots} == {"CLI-16", "CLI-201"}
    assert "p16" not in stdout.decode() and "p201" not in stdout.decode()
