"""`make bench`'s table and history, and `make bench-report`'s charts (no stack needed)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.stack import ROOT
from tools.bench import Figure
from tools.bench.report import report, series
from tools.bench.results import Run, git_revision, load_history, save


def _run(revision: str, ratio: float, profile: str = "default") -> Run:
    run = Run(revision=revision, cores=2, profile=profile, seconds=360.0)
    run.figures = [
        Figure("gateway: requests/s", 100 * ratio, 100.0, "req/s", "identity direct", target=0.8),
        Figure(
            "connectivity: heartbeat p99",
            20.0,
            10.0,
            "ms",
            "bare server",
            target=3.0,
            higher_is_better=False,
        ),
    ]
    return run


def test_each_run_writes_its_table_and_appends_to_the_history(tmp_path: Path) -> None:
    first = _run("abc123", 0.9)
    first.failures["payment"] = "TimeoutError: stop not seen"
    save(first, tmp_path)
    save(_run("def456", 0.7), tmp_path)
    history = load_history(tmp_path)
    assert [run["revision"] for run in history] == ["abc123", "def456"]
    latest = json.loads((tmp_path / "latest.json").read_text())
    assert latest["cores"] == 2 and latest["revision"] == "def456"
    rows = {f["name"]: f for f in latest["figures"]}
    assert rows["gateway: requests/s"]["ratio"] == 0.7
    assert rows["gateway: requests/s"]["verdict"] == "MISSED"
    assert rows["connectivity: heartbeat p99"]["verdict"] == "met"
    assert rows["connectivity: heartbeat p99"]["target_text"] == "≤ 3"
    table = (tmp_path / "latest.md").read_text()
    assert "| figure | value | baseline | ratio | target | verdict |" in table
    assert "| gateway: requests/s | 70.00 req/s | 100.00 req/s | 0.700 | ≥ 0.8 | MISSED |" in table
    assert "revision `def456` on 2 cores" in table
    first_table = next(tmp_path.glob("bench-*-abc123.md")).read_text()
    assert "| payment: failed | TimeoutError: stop not seen | | | | FAILED |" in first_table


def test_the_report_draws_each_figure_over_the_revisions(tmp_path: Path) -> None:
    history = [
        _run("abc123", 0.9).as_dict(),
        _run("def456", 0.7).as_dict(),
        _run("def456", 0.8, profile="full").as_dict(),
    ]
    points = series(history)
    assert [p["ratio"] for p in points["gateway: requests/s"]["default"]] == [0.9, 0.7]
    assert [p["ratio"] for p in points["gateway: requests/s"]["full"]] == [0.8]
    page = report(history)
    assert "plotly.js v" in page and "gateway: requests" in page
    assert "connectivity: heartbeat p99" in page and "lower is better" in page
    assert "3 runs" in page and "def456" in page
    assert "No runs yet" in report([])


def test_the_revision_is_the_checkouts() -> None:
    revision = git_revision(ROOT)
    assert revision != "unknown" and len(revision.split("+")[0]) == 10
