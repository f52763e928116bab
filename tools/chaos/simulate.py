"""The chaos run's chargers: `python -m tools.chaos.simulate PLAN.json`.

The simulator's command line gives every charger one RFID tag, and a tag charges one car at a
time (a second start answers ConcurrentTx). Here each charger charges with a card of its own,
through the simulator's Python API (`run_charger` with per-charger `SimOptions`), and connects
to the connectivity replica the plan names. One JSON log line per simulator event on stdout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import sys
from dataclasses import replace
from pathlib import Path

from shared.logging import configure_logging
from tools.simulator.fleet import Backoff, run_charger
from tools.simulator.seed import load_seed
from tools.simulator.station import SimOptions


async def simulate(plan: dict[str, object]) -> None:
    specs = {spec.id: spec for spec in load_seed(str(plan["seed_file"]))}
    chargers: dict[str, dict[str, str]] = plan["chargers"]  # type: ignore[assignment]
    options = SimOptions(
        session_every_s=float(plan["session_every_s"]),  # type: ignore[arg-type]
        session_max_s=float(plan["session_max_s"]),  # type: ignore[arg-type]
        meter_interval_s=float(plan["meter_interval_s"]),  # type: ignore[arg-type]
        # TransactionMessageAttempts / RetryInterval: a stop refused while PostgreSQL restarts
        # (connectivity answers InternalError for what it cannot store) goes again, for about
        # two minutes in all, before the simulator gives it up.
        tx_attempts=12,
        tx_retry_s=2.0,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    seed = int(plan["seed"])  # type: ignore[call-overload]
    # Reconnect quickly: the chaos run restarts what it kills within seconds.
    backoff = Backoff(initial_s=0.5, max_s=5.0)
    await asyncio.gather(
        *(
            run_charger(
                specs[cp_id],
                entry["url"],
                replace(options, id_tag=entry["id_tag"]),
                stop,
                backoff=backoff,
                rng=random.Random(f"{seed}:{cp_id}"),  # noqa: S311 - simulation
            )
            for cp_id, entry in chargers.items()
        )
    )


def main() -> None:
    configure_logging("simulator", level="INFO", fmt="json")
    # The ocpp library's frame lines are not needed: connectivity keeps the frame log.
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    plan = json.loads(Path(sys.argv[1]).read_text())
    os.environ.setdefault("LADDA_LOG_FORMAT", "json")
    asyncio.run(simulate(plan))


if __name__ == "__main__":
    main()
