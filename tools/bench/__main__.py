"""Run the benchmarks and print each figure as a ratio against its same-run baseline.

    python -m tools.bench [--full] [name ...]

Writes the table as markdown and JSON under .local/bench/ (latest.md, latest.json, a copy per
run) and appends the run to .local/bench/history.json (`make bench-report` draws it).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import platform
import sys
import time
import traceback

from tools.bench import BENCHMARKS, Figure
from tools.bench.results import Run, git_revision, save
from tools.localstack import ROOT, load_stack_env

# The default run (about 6 minutes on two cores) scales the long figures down; `--full` runs
# each module at its own defaults (connectivity's 10,000-charger fleet and storm: the long
# figures). Variables already set in the environment win over both.
DEFAULT_PROFILE = {
    "LADDA_BENCH_CONNECTIVITY_CHARGERS": "1000",
    "LADDA_BENCH_CONNECTIVITY_WINDOW_S": "15",
    "LADDA_BENCH_ANALYTICS_EVENTS": "10000",
    "LADDA_BENCH_ANALYTICS_CHARGE_POINTS": "200",
    "LADDA_BENCH_BOOKING_COUNT": "500",
    "LADDA_BENCH_GATEWAY_DURATION_S": "4",
    "LADDA_BENCH_GATEWAY_LATENCY_DURATION_S": "3",
    "LADDA_BENCH_PAYMENT_SESSIONS": "30",
}


def _print(figures: list[Figure]) -> None:
    print(f"{'figure':<52} {'value':>12} {'baseline':>12} {'ratio':>8}  target")
    for f in figures:
        target = (
            "" if f.target is None else (">= " if f.higher_is_better else "<= ") + f"{f.target:g}"
        )
        verdict = {True: "met", False: "MISSED", None: ""}[f.meets_target]
        print(
            f"{f.name:<52} {f.value:>10.2f}{f.unit[:2]:>2} {f.baseline:>10.2f}{f.unit[:2]:>2}"
            f" {f.ratio:>8.3f}  {target} {verdict}"
        )
        if f.note:
            print(f"    {f.note} (baseline: {f.baseline_name})")


async def _run(names: list[str], run: Run) -> None:
    for name in names:
        started = time.monotonic()
        print(f"[bench] {name} ...", flush=True)
        try:
            module = importlib.import_module(f"tools.bench.{name}")
            run.figures += await module.run()
        except Exception as error:
            # One module failing leaves the others' figures standing; the table says so.
            traceback.print_exc()
            run.failures[name] = f"{type(error).__name__}: {str(error)[:200]}"
        run.module_seconds[name] = time.monotonic() - started
        print(f"[bench] {name} done in {run.module_seconds[name]:.0f}s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", default=BENCHMARKS, help=f"any of {BENCHMARKS}")
    parser.add_argument("--full", action="store_true", help="the long figures at full size")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    load_stack_env()
    if not args.full:
        for key, value in DEFAULT_PROFILE.items():
            os.environ.setdefault(key, value)
    cores = os.cpu_count() or 1
    run = Run(
        revision=git_revision(ROOT),
        cores=cores,
        profile=("full" if args.full else "default")
        + ("" if args.names == BENCHMARKS else f": {' '.join(args.names)}"),
    )
    print(
        f"[bench] {platform.node()} {platform.processor() or platform.machine()}, {cores} cores, "
        f"python {sys.version.split()[0]}, revision {run.revision}, {run.profile} run"
    )
    started = time.monotonic()
    asyncio.run(_run(args.names, run))
    run.seconds = time.monotonic() - started
    _print(run.figures)
    written = save(run)
    print(f"[bench] table: {written['markdown']} (and .json); history: {written['history']}")
    if run.failures:
        raise SystemExit(f"[bench] failed: {', '.join(run.failures)}")


if __name__ == "__main__":
    main()
