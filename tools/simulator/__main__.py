"""Command line of the charger simulator: `python -m tools.simulator --seed-file FILE --url URL`."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

import structlog

from shared.logging import configure_logging
from tools.simulator.fleet import Backoff, run_fleet
from tools.simulator.seed import load_seed
from tools.simulator.station import SimOptions

log = structlog.get_logger("simulator")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.simulator", description=__doc__)
    parser.add_argument("--seed-file", required=True, help="chargers to simulate (chargers.json)")
    parser.add_argument(
        "--url",
        default="ws://127.0.0.1:9000/ocpp",
        help="OCPP endpoint; the charger id is appended (default %(default)s)",
    )
    parser.add_argument("--id-tag", default=SimOptions.id_tag, help="RFID tag for sessions")
    parser.add_argument(
        "--session-every",
        type=float,
        default=SimOptions.session_every_s,
        help="mean seconds between automatic sessions per charger; 0 disables (default %(default)s)",
    )
    parser.add_argument(
        "--session-max",
        type=float,
        default=SimOptions.session_max_s,
        help="longest automatic session in seconds (default %(default)s)",
    )
    parser.add_argument(
        "--meter-interval",
        type=float,
        default=SimOptions.meter_interval_s,
        help="seconds between meter samples (default %(default)s)",
    )
    parser.add_argument(
        "--time-factor",
        type=float,
        default=SimOptions.time_factor,
        help="simulated charging seconds per wall-clock second (default %(default)s)",
    )
    parser.add_argument("--only", nargs="*", help="simulate only these charger ids")
    parser.add_argument("--seed", type=int, help="random seed, for repeatable runs")
    parser.add_argument("--log-level", default=os.environ.get("LADDA_LOG_LEVEL", "INFO"))
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> None:
    specs = load_seed(args.seed_file)
    if args.only:
        specs = [spec for spec in specs if spec.id in set(args.only)]
    options = SimOptions(
        id_tag=args.id_tag,
        session_every_s=args.session_every,
        session_max_s=args.session_max,
        meter_interval_s=args.meter_interval,
        time_factor=args.time_factor,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.info("simulator.start", chargers=len(specs), url=args.url)
    await run_fleet(specs, args.url, options, stop, backoff=Backoff(), seed=args.seed)
    log.info("simulator.stopped", chargers=len(specs))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    configure_logging(
        "simulator", level=args.log_level, fmt=os.environ.get("LADDA_LOG_FORMAT", "json")
    )
    asyncio.run(_main(args))


if __name__ == "__main__":
    main()
