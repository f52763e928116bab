"""The chaos run: `python -m tools.chaos` (`make chaos`).

On a stack of its own (never the shared one): simulated chargers run about 200 sessions over a
few minutes while connectivity (one of two replicas), payment, identity, booking, the Kafka
broker and PostgreSQL are each SIGKILLed and started again, one after another at random
moments. Drivers book connectors meanwhile. Then the run waits for the platform to settle,
counts what every service recorded, prints the table and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import time
from pathlib import Path

import asyncpg
import httpx

from tools.chaos.audit import Row, audit, simulator_events, table
from tools.chaos.fleet import Charger, Driver, book, cancel, chargers, seed_drivers, write_seed
from tools.chaos.platform import ROOT, ChaosPlatform, Ports, free_port

VICTIMS = ("connectivity-a", "payment", "identity", "booking", "kafka", "postgres")
SERVICES = ("identity", "booking", "payment", "analytics", "operations", "support", "notifications")


def say(message: str) -> None:
    print(f"[chaos] {message}", flush=True)


def uvicorn(module: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        f"{module}:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)  # noqa: S311 - chaos, not cryptography
        self.platform = ChaosPlatform(Path(args.dir), Ports())
        self.ports = {name: free_port() for name in (*SERVICES, "gateway")}
        self.replicas = {r: (free_port(), free_port()) for r in ("a", "b")}  # http, ocpp
        self.fleet: list[Charger] = chargers(args.chargers, args.drivers)
        self.timeline: list[str] = []
        self.started = time.monotonic()

    def at(self) -> str:
        return f"{time.monotonic() - self.started:6.1f}s"

    # -- the platform ----------------------------------------------------------------------

    def service_env(self, stack_env: dict[str, str]) -> dict[str, str]:
        env = {**self.platform.stack_env(), **stack_env}
        identity = self.ports["identity"]
        env.update(
            {
                "LADDA_LOG_FORMAT": "json",
                "LADDA_JWKS_URL": f"http://127.0.0.1:{identity}/.well-known/jwks.json",
                "LADDA_CONNECTIVITY_SEED_FILE": str(self.platform.folder / "chargers.json"),
                "LADDA_PAYMENT_STRIPE_WEBHOOK_REGISTER_URL": (
                    f"http://127.0.0.1:{self.ports['payment']}/v1/stripe/webhook"
                ),
                "LADDA_GATEWAY_RATE_LIMIT_ENABLED": "false",
                "LADDA_GATEWAY_UPSTREAM_CONNECTIVITY": f"http://127.0.0.1:{self.replicas['a'][0]}",
                # Bookings within the run's minutes: one-second slots, no lead time.
                "LADDA_BOOKING_SLOT": "PT1S",
                "LADDA_BOOKING_MIN_LEAD_TIME": "PT0S",
                "LADDA_BOOKING_CANCELLATION_DEADLINE": "PT0S",
                "LADDA_BOOKING_GRACE_PERIOD": "PT30S",
                "LADDA_BOOKING_TICK_INTERVAL_S": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        for name, port in self.ports.items():
            env[f"LADDA_{name.upper()}_PORT"] = str(port)
            if name != "gateway":
                env[f"LADDA_GATEWAY_UPSTREAM_{name.upper()}"] = f"http://127.0.0.1:{port}"
        return env

    def start_platform(self) -> dict[str, str]:
        say(f"own stack under {self.platform.folder} on ports {self.platform.ports}")
        stack_env = self.platform.fresh_infra()
        write_seed(self.platform.folder / "chargers.json", self.fleet)
        env = self.service_env(stack_env)
        self.platform.add(
            "identity",
            uvicorn("services.identity.app", self.ports["identity"]),
            env,
            self.ports["identity"],
        )
        self.platform.wait_ready(["identity"])
        for replica, (http, ocpp) in self.replicas.items():
            replica_env = {
                **env,
                "LADDA_CONNECTIVITY_REPLICA_ID": f"chaos-{replica}",
                "LADDA_CONNECTIVITY_OCPP_PORT": str(ocpp),
            }
            self.platform.add(
                f"connectivity-{replica}",
                uvicorn("services.connectivity.app", http),
                replica_env,
                http,
            )
        for name in SERVICES[1:]:
            self.platform.add(
                name, uvicorn(f"services.{name}.app", self.ports[name]), env, self.ports[name]
            )
        self.platform.add(
            "gateway", uvicorn("gateway.app", self.ports["gateway"]), env, self.ports["gateway"]
        )
        self.platform.wait_ready()
        say(f"platform ready in {self.at()}")
        return stack_env

    def start_simulator(self) -> list[Path]:
        """One process for the fleet; each charger with its own card and replica."""
        plan = {
            "seed_file": str(self.platform.folder / "chargers.json"),
            "session_every_s": self.args.session_every,
            "session_max_s": self.args.session_max,
            "meter_interval_s": 3,
            "seed": self.args.seed,
            "chargers": {
                cp.id: {
                    "id_tag": cp.tag,
                    "url": f"ws://127.0.0.1:{self.replicas['ab'[cp.replica]][1]}/ocpp",
                }
                for cp in self.fleet
            },
        }
        path = self.platform.folder / "simulator-plan.json"
        path.write_text(json.dumps(plan, indent=1))
        argv = [sys.executable, "-m", "tools.chaos.simulate", str(path)]
        self.platform.add("simulator", argv, self.platform.stack_env(), 0)
        return [self.platform.logs / "simulator.log"]

    # -- the chaos ------------------------------------------------------------------------

    def kill(self, victim: str) -> None:
        if victim == "kafka":
            self.platform.kill_kafka()
        elif victim == "postgres":
            self.platform.kill_postgres()
        else:
            self.platform.processes[victim].kill()

    def restart(self, victim: str) -> float:
        began = time.monotonic()
        if victim == "kafka":
            self.platform.start_kafka()
        elif victim == "postgres":
            self.platform.start_postgres()
        else:
            self.platform.processes[victim].start()
            self.platform.wait_ready([victim])
        return time.monotonic() - began

    async def chaos(self) -> None:
        victims = list(VICTIMS)
        self.rng.shuffle(victims)
        for victim in victims:
            await asyncio.sleep(self.rng.uniform(10, 25))
            self.kill(victim)
            killed_at = self.at()
            await asyncio.sleep(self.rng.uniform(2, 6))
            back = await asyncio.to_thread(self.restart, victim)
            line = f"{killed_at} SIGKILL {victim}; started again, ready after {back:.1f} s"
            self.timeline.append(line)
            say(line)

    async def bookings(
        self, api: httpx.AsyncClient, drivers: list[Driver], stop: asyncio.Event
    ) -> None:
        made = 0
        while not stop.is_set() and made < self.args.bookings:
            driver = self.rng.choice(drivers)
            charger = self.rng.choice([cp for cp in self.fleet if cp.group == driver.group])
            reservation = await book(api, driver, charger, self.rng)
            if reservation is not None:
                made += 1
                if self.rng.random() < 0.3:
                    await asyncio.sleep(self.rng.uniform(1, 10))
                    await cancel(api, driver, reservation)
            await asyncio.sleep(self.rng.uniform(3, 10))

    async def drive(self) -> int:
        stack_env = await asyncio.to_thread(self.start_platform)
        gateway = f"http://127.0.0.1:{self.ports['gateway']}"
        stripe = (
            stack_env["LADDA_PAYMENT_STRIPE_API_BASE"],
            stack_env["LADDA_PAYMENT_STRIPE_API_KEY"],
        )
        admin = (
            stack_env["LADDA_BOOTSTRAP_ADMIN_EMAIL"],
            stack_env["LADDA_BOOTSTRAP_ADMIN_PASSWORD"],
        )
        async with httpx.AsyncClient(base_url=gateway, timeout=30) as api:
            drivers = await seed_drivers(api, stripe[0], admin, self.fleet)
            await self.until_chargers_know_the_cards(stack_env["LADDA_PG_ADMIN_URL"])
            say(f"{len(drivers)} paying drivers with RFID cards; {len(self.fleet)} chargers")
            logs = self.start_simulator()
            stop = asyncio.Event()
            booking_task = asyncio.create_task(self.bookings(api, drivers, stop))
            chaos_task = asyncio.create_task(self.chaos())
            deadline = time.monotonic() + self.args.max_minutes * 60
            while True:
                started = sum(
                    e.get("event") == "simulator.session.started" for e in simulator_events(logs)
                )
                if (
                    started >= self.args.sessions and chaos_task.done()
                ) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(5)
            say(f"{started} sessions started; stopping the simulators at {self.at()}")
            stop.set()
            await chaos_task
            await booking_task
            for process in self.platform.processes.values():
                if process.name == "simulator":
                    await asyncio.to_thread(process.stop, 30)
        say(f"waiting {self.args.settle_s:.0f} s at most for the platform to settle")
        rows, notes = await self.settle(stack_env, logs, [d.user_id for d in drivers])
        print("\n".join(self.timeline))
        print(table(rows))
        for note in notes[:50]:
            print(f"  - {note}")
        failed = [row for row in rows if not row.ok]
        say(f"{'FAILED' if failed else 'passed'}: {len(failed)} differences, in {self.at()}")
        return 1 if failed else 0

    async def until_chargers_know_the_cards(self, admin_url: str, timeout: float = 120) -> None:
        """Identity accepted every card; connectivity's own copy (from Kafka, what Authorize
        answers from) must say so too before the first car arrives."""
        tags = [charger.tag.strip().upper() for charger in self.fleet]
        db = await asyncpg.connect(f"{admin_url.rsplit('/', 1)[0]}/ladda_connectivity")
        try:
            deadline = time.monotonic() + timeout
            while True:
                accepted = await db.fetchval(
                    "select count(*) from id_tokens where uid = any($1) and decision = 'Accepted'",
                    tags,
                )
                if accepted == len(set(tags)):
                    return
                if time.monotonic() > deadline:
                    raise SystemExit(f"[chaos] connectivity knows {accepted} of the cards")
                await asyncio.sleep(0.5)
        finally:
            await db.close()

    async def settle(
        self, stack_env: dict[str, str], logs: list[Path], users: list[str]
    ) -> tuple[list[Row], list[str]]:
        """Audit until every figure holds or the settle time is up (events are still flowing)."""
        deadline = time.monotonic() + self.args.settle_s
        while True:
            rows, notes = await audit(
                stack_env["LADDA_PG_ADMIN_URL"],
                stack_env["LADDA_KAFKA_BOOTSTRAP_SERVERS"],
                (
                    stack_env["LADDA_PAYMENT_STRIPE_API_BASE"],
                    stack_env["LADDA_PAYMENT_STRIPE_API_KEY"],
                ),
                logs,
                users,
            )
            if all(row.ok for row in rows) or time.monotonic() > deadline:
                return rows, notes
            await asyncio.sleep(10)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.chaos", description=__doc__)
    parser.add_argument("--dir", default=str(ROOT / ".local" / "chaos"), help="state folder")
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--chargers", type=int, default=40)
    parser.add_argument("--drivers", type=int, default=4)
    parser.add_argument("--bookings", type=int, default=12)
    parser.add_argument("--session-every", type=float, default=35.0)
    parser.add_argument("--session-max", type=float, default=12.0)
    parser.add_argument("--max-minutes", type=float, default=10.0)
    parser.add_argument("--settle-s", type=float, default=240.0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true", help="leave the chaos stack running")
    return parser.parse_args(argv)


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through `finally`: the chaos stack is stopped


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _terminated)
    args = parse_args(argv)
    run = Run(args)
    say(f"seed {args.seed}")
    try:
        code = asyncio.run(run.drive())
    finally:
        if not args.keep:
            run.platform.stop_all()
    sys.exit(code)


if __name__ == "__main__":
    main()
