"""Run the benchmarks and print each figure as a ratio against its same-run baseline."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import platform
import sys
import time

from tools.bench import BENCHMARKS, Figure
from tools.localstack import load_stack_env


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


async def _run(names: list[str]) -> list[Figure]:
    figures: list[Figure] = []
    for name in names:
        module = importlib.import_module(f"tools.bench.{name}")
        started = time.monotonic()
        print(f"[bench] {name} ...", flush=True)
        figures += await module.run()
        print(f"[bench] {name} done in {time.monotonic() - started:.0f}s", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", default=BENCHMARKS, help=f"any of {BENCHMARKS}")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    load_stack_env()
    print(
        f"[bench] {platform.node()} {platform.processor() or platform.machine()}, "
        f"python {sys.version.split()[0]}"
    )
    figures = asyncio.run(_run(args.names))
    _print(figures)
    if args.json:
        with open(args.json, "w") as out:
            json.dump([f.as_dict() for f in figures], out, indent=2)


if __name__ == "__main__":
    main()
