"""Command line of the charger simulator.

python -m tools.simulator --scenario quiet-day [--live] [--summary-json FILE]
python -m tools.simulator --seed-file deploy/local/chargers.json     (chargers only)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import structlog

from shared.logging import configure_logging
from tools.simulator.fleet import Backoff, run_fleet
from tools.simulator.scenario import load_scenario, seconds, shipped, time_of_day
from tools.simulator.seed import load_seed
from tools.simulator.simulation import Simulation
from tools.simulator.station import SimOptions

log = structlog.get_logger("simulator")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--seed-file", help="chargers to keep online (chargers.json)")
    source.add_argument(
        "--scenario", help=f"a scenario file (.toml) or a shipped one: {', '.join(shipped())}"
    )
    parser.add_argument(
        "--url",
        default="ws://127.0.0.1:9000/ocpp",
        help="OCPP endpoint; the charger id is appended (default %(default)s)",
    )
    scenario = parser.add_argument_group("scenario runs")
    scenario.add_argument("--live", action="store_true", help="a live view in the terminal")
    scenario.add_argument("--summary-json", help="write the summary here at the end")
    scenario.add_argument(
        "--summary-every", type=float, help="also rewrite --summary-json every so many seconds"
    )
    scenario.add_argument("--max-sessions", type=int, help="end after this many sessions")
    scenario.add_argument("--duration", help="simulated length, e.g. 6h (overrides the file)")
    scenario.add_argument("--start", help="simulated time of day to start at, e.g. 17:00")
    scenario.add_argument("--repeat", action="store_true", help="start the day over at its end")
    scenario.add_argument("--write-seed", help="write the scenario's chargers as a seed file")
    chargers = parser.add_argument_group("seed-file runs")
    chargers.add_argument("--id-tag", default=SimOptions.id_tag, help="RFID tag for sessions")
    chargers.add_argument(
        "--session-every",
        type=float,
        default=SimOptions.session_every_s,
        help="mean seconds between automatic sessions per charger; 0 disables (default %(default)s)",
    )
    chargers.add_argument(
        "--session-max",
        type=float,
        default=SimOptions.session_max_s,
        help="longest automatic session in seconds (default %(default)s)",
    )
    chargers.add_argument(
        "--meter-interval",
        type=float,
        default=SimOptions.meter_interval_s,
        help="seconds between meter samples (default %(default)s)",
    )
    chargers.add_argument("--only", nargs="*", help="simulate only these charger ids")
    parser.add_argument(
        "--time-factor",
        type=float,
        help=f"simulated seconds per wall-clock second (seed-file default {SimOptions.time_factor:g})",
    )
    parser.add_argument("--seed", type=int, help="random seed, for repeatable runs")
    parser.add_argument("--log-level", default=os.environ.get("LADDA_LOG_LEVEL"))
    return parser.parse_args(argv)


def _write(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def _signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)


async def _fleet(args: argparse.Namespace) -> None:
    specs = load_seed(args.seed_file)
    if args.only:
        specs = [spec for spec in specs if spec.id in set(args.only)]
    options = SimOptions(
        id_tag=args.id_tag,
        session_every_s=args.session_every,
        session_max_s=args.session_max,
        meter_interval_s=args.meter_interval,
        time_factor=args.time_factor or SimOptions.time_factor,
    )
    stop = asyncio.Event()
    _signals(stop)
    log.info("simulator.start", chargers=len(specs), url=args.url)
    await run_fleet(specs, args.url, options, stop, backoff=Backoff(), seed=args.seed)
    log.info("simulator.stopped", chargers=len(specs))


async def _scenario(args: argparse.Namespace) -> None:
    scenario = load_scenario(args.scenario)
    changes: dict[str, object] = {}
    if args.time_factor:
        changes["time_factor"] = args.time_factor
    if args.max_sessions is not None:
        changes["max_sessions"] = args.max_sessions
    if args.duration:
        changes["duration_s"] = seconds(args.duration)
    if args.start:
        changes["start_s"] = time_of_day(args.start)
    if args.repeat:
        changes["repeat"] = True
    if args.seed is not None:
        changes["seed"] = args.seed
    scenario = scenario.replace(**changes)
    if args.write_seed:
        _write(args.write_seed, json.dumps(scenario.seed_document(), indent=2) + "\n")
        return
    interrupted = asyncio.Event()
    _signals(interrupted)
    simulation = Simulation(scenario, args.url)
    simulation.start()
    done = asyncio.create_task(simulation.arrivals_over.wait())
    stopped = asyncio.create_task(interrupted.wait())
    view = None
    writer: asyncio.Task[None] | None = None
    ended = asyncio.Event()
    if args.summary_json and args.summary_every:

        async def keep_writing() -> None:
            while True:
                await asyncio.sleep(args.summary_every)
                text = json.dumps(simulation.summary(), indent=2) + "\n"
                await asyncio.to_thread(_write, args.summary_json, text)

        writer = asyncio.create_task(keep_writing())
    if args.live:
        from tools.simulator.live import show

        view = asyncio.create_task(show(simulation, ended))
    await asyncio.wait({done, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if done.done() and not interrupted.is_set():
        # The scenario is over: let the last cars finish unless interrupted meanwhile.
        quiet = asyncio.create_task(simulation.quiet(timeout_s=float("inf")))
        await asyncio.wait({quiet, stopped}, return_when=asyncio.FIRST_COMPLETED)
        quiet.cancel()
    summary = await simulation.stop(drain_s=5.0 if interrupted.is_set() else 30.0)
    ended.set()
    if writer is not None:
        writer.cancel()
    for task in (done, stopped):
        task.cancel()
    if view is not None:
        await view
    text = json.dumps(summary, indent=2)
    if args.summary_json:
        _write(args.summary_json, text + "\n")
    log.info("simulator.stopped", chargers=len(simulation.stations))
    if args.live:
        print(text, file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # With the live view, only warnings would break into it; the view shows the rest.
    level = args.log_level or ("WARNING" if args.live else "INFO")
    configure_logging("simulator", level=level, fmt=os.environ.get("LADDA_LOG_FORMAT", "json"))
    asyncio.run(_scenario(args) if args.scenario else _fleet(args))


if __name__ == "__main__":
    main()
