"""Unit tests of the connectivity benchmark's statistics, seed file and bare server answers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tools.bench import Figure
from tools.bench.connectivity import (
    Latencies,
    bare_answer,
    bytes_per_connection,
    charger_id,
    charger_password,
    error_line_count,
    figures,
    heartbeat_offsets,
    median_round,
    percentile,
    rate,
    slow_seconds,
    write_seed_file,
)
from tools.simulator.seed import load_seed


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 0) == 1.0
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0  # unsorted input
    assert percentile([7.0], 99) == 7.0


def test_percentile_of_nothing_is_nan_and_out_of_range_is_refused() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latencies_summarise_in_milliseconds_with_errors_and_lost_calls() -> None:
    latencies = Latencies()
    for seconds in (0.001, 0.002, 0.003, 0.004):
        latencies.add(seconds)
    latencies.errors += 1
    latencies.lost += 2
    summary = latencies.summary()
    assert summary["count"] == 4
    assert summary["p50_ms"] == pytest.approx(2.0)
    assert summary["p99_ms"] == pytest.approx(4.0)
    assert summary["max_ms"] == pytest.approx(4.0)
    assert (summary["errors"], summary["lost"]) == (1, 2)


def test_rate_and_memory_per_connection() -> None:
    assert rate(1500, 3.0) == 500.0
    assert rate(10, 0.0) == 0.0
    assert bytes_per_connection(100 << 20, 260 << 20, 10_000) == pytest.approx(16_777.216)
    # RSS can shrink (the allocator returns memory); that is no negative cost per connection.
    assert bytes_per_connection(200, 100, 10) == 0
    with pytest.raises(ValueError):
        bytes_per_connection(0, 1, 0)


def test_heartbeats_spread_evenly_over_the_period() -> None:
    offsets = heartbeat_offsets(10_000, 60.0)
    assert len(offsets) == 10_000
    assert offsets[0] == 0.0 and offsets[-1] < 60.0
    # 10,000 chargers every 60 s: about 167 calls in every second of the period.
    per_second = [sum(1 for o in offsets if s <= o < s + 1) for s in range(60)]
    assert min(per_second) >= 166 and max(per_second) <= 167


def test_slow_seconds_name_when_calls_were_over_the_threshold() -> None:
    sent = [0.2, 1.5, 1.7, 5.9, 6.0]
    took = [3.0, 150.0, 120.0, 99.0, 101.0]
    assert slow_seconds(sent, took, threshold_ms=100.0) == [1, 6]


def test_error_lines_of_the_server_log_are_counted() -> None:
    log = "\n".join(
        [
            '{"event": "connectivity.boot", "level": "info"}',
            '{"event": "db.pool.timeout", "level": "error"}',
            "Traceback (most recent call last):",
            '{"event": "x", "level": "warning"}',
        ]
    )
    assert error_line_count(log) == 2


def test_median_round_keeps_a_whole_round_and_lists_them_all() -> None:
    rounds = [
        {"calls_per_s": 900.0, "p": 1},
        {"calls_per_s": 1000.0, "p": 2},
        {"calls_per_s": 10.0, "p": 3},
    ]
    chosen = median_round(rounds)
    assert (chosen["calls_per_s"], chosen["p"]) == (900.0, 1)
    assert chosen["rounds"] == [900, 1000, 10]


def test_seed_file_is_what_the_service_and_the_simulator_read(tmp_path: Path) -> None:
    path = tmp_path / "chargers.json"
    write_seed_file(path, 3)
    document = json.loads(path.read_text())
    assert [c["id"] for c in document["charge_points"]] == [
        "BENCH-00001",
        "BENCH-00002",
        "BENCH-00003",
    ]
    specs = load_seed(path)
    assert specs[1].password == charger_password(2) and len(specs[1].password) >= 16
    assert {s.ocpp_version for s in specs} == {"1.6"} and charger_id(42) == "BENCH-00042"


def test_bare_server_answers_calls_and_ignores_results() -> None:
    boot = json.loads(bare_answer('[2,"7","BootNotification",{"chargePointVendor":"x"}]') or "")
    assert boot[:2] == [3, "7"] and boot[2]["status"] == "Accepted" and boot[2]["interval"] == 60
    heartbeat = json.loads(bare_answer('[2,"8","Heartbeat",{}]') or "")
    assert heartbeat[:2] == [3, "8"] and "currentTime" in heartbeat[2]
    assert json.loads(bare_answer('[2,"9","MeterValues",{}]') or "") == [3, "9", {}]
    assert bare_answer('[3,"9",{}]') is None


def _fleet(p50: float, p99: float, per_conn: float, boot_p99: float) -> dict[str, object]:
    summary = {"count": 10, "p50_ms": p50, "p99_ms": p99, "max_ms": p99, "errors": 0, "lost": 0}
    return {
        "connected": {"connected": 10_000},
        "bytes_per_connection": per_conn,
        "heartbeats": {**summary, "calls_per_s": 167.0},
        "storm": {
            "seconds": 3.0,
            "connect_errors": 0,
            "connect_error_kinds": [],
            "boot": {**summary, "p99_ms": boot_p99},
            "status": summary,
            "connect_to_boot": summary,
        },
    }


def test_figures_are_ratios_against_the_bare_server_with_the_stated_targets() -> None:
    tp = {
        "calls_per_s": 1000.0,
        "calls_per_cpu_s": 1100.0,
        "latency": {"errors": 0, "lost": 0, "p99_ms": 5.0},
    }
    service_tp = {**tp, "calls_per_s": 600.0, "calls_per_cpu_s": 550.0}
    result = figures(
        tp, service_tp, _fleet(1.0, 5.0, 16_384, 100.0), _fleet(2.0, 40.0, 40_000, 500.0)
    )
    assert all(isinstance(f, Figure) for f in result)
    throughput, per_cpu, _, p99, memory, storm = result
    assert throughput.ratio == pytest.approx(0.6) and throughput.meets_target is True
    assert per_cpu.ratio == pytest.approx(0.5)
    assert "met" in p99.note and p99.value == 40.0
    # 50 KB against a 16 KiB baseline: the target ratio is 50,000 / 16,384.
    assert memory.target == pytest.approx(50_000 / 16_384) and memory.meets_target is True
    assert storm.value == 500.0 and "absolute target < 1000 ms: met" in storm.note
