"""The chaos run's own platform: a second local stack, never the shared one.

PostgreSQL, Kafka and localstripe come from deploy/local/stack.py pointed at another folder
(`LADDA_STACK_DIR`) and other ports; every service, two connectivity replicas and the gateway
run as subprocesses of this process, each in its own process group, so that one of them can be
SIGKILLed and started again without touching anything else on the machine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "local" / "stack.py"
# The shared stack's ports: the chaos run refuses to use any of them.
SHARED_PORTS = {55432, 9092, 9093, 8420}


@dataclass(frozen=True)
class Ports:
    postgres: int = 55532
    kafka: int = 9192
    kafka_controller: int = 9193
    stripe: int = 8520

    def check(self) -> None:
        mine = {self.postgres, self.kafka, self.kafka_controller, self.stripe}
        if mine & SHARED_PORTS:
            raise SystemExit(
                f"[chaos] ports {sorted(mine & SHARED_PORTS)} belong to the shared stack"
            )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def http_ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def wait(predicate: object, what: str, timeout: float) -> float:
    """Poll until `predicate()`; returns the seconds it took."""
    started = time.monotonic()
    while not predicate():  # type: ignore[operator]
        if time.monotonic() - started > timeout:
            raise SystemExit(f"[chaos] {what} not up within {timeout:.0f} s")
        time.sleep(0.3)
    return time.monotonic() - started


@dataclass
class Process:
    """One service process; `restart` starts the same command again."""

    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def ready(self) -> bool:
        """Answers /readyz; a process that exited fails the run with its last log lines."""
        if self.popen is not None and self.popen.poll() is not None:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
            raise SystemExit(f"[chaos] {self.name} exited with {self.popen.returncode}:\n{tail}")
        return http_ready(self.port)

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self, timeout: float = 15) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class ChaosPlatform:
    folder: Path
    ports: Ports = field(default_factory=Ports)
    processes: dict[str, Process] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    def stack_env(self) -> dict[str, str]:
        """The environment deploy/local/stack.py runs with for this instance."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LADDA_")}
        env.pop("DATABASE_URL", None)
        env.update(
            {
                "LADDA_STACK_DIR": str(self.folder),
                "LADDA_PG_PORT": str(self.ports.postgres),
                "LADDA_KAFKA_PORT": str(self.ports.kafka),
                "LADDA_KAFKA_CONTROLLER_PORT": str(self.ports.kafka_controller),
                "LADDA_STRIPE_PORT": str(self.ports.stripe),
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            }
        )
        return env

    def _stack(self, command: str) -> None:
        subprocess.run(
            [sys.executable, str(STACK), command],
            cwd=ROOT,
            env=self.stack_env(),
            check=True,
            stdout=subprocess.DEVNULL if command.startswith("stop") else None,
        )

    def fresh_infra(self) -> dict[str, str]:
        """Stop a previous chaos instance, wipe its data, start a new one; returns stack.env."""
        self.ports.check()
        if self.folder.exists():
            self._stack("down")
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        self._stack("infra")
        values = (self.folder / "stack.env").read_text().splitlines()
        return dict(line.split("=", 1) for line in values if "=" in line)

    def stop_all(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        if self.folder.exists():
            self._stack("down")

    # -- what the chaos run kills ----------------------------------------------------------

    def kill_kafka(self) -> None:
        pid = int((self.folder / "run" / "kafka.pid").read_text())
        os.killpg(pid, signal.SIGKILL)
        wait(lambda: not port_open(self.ports.kafka), "Kafka's end", 30)

    def start_kafka(self) -> None:
        self._stack("start-kafka")

    def kill_postgres(self) -> None:
        pidfile = self.folder / "postgres" / "postmaster.pid"
        pid = int(pidfile.read_text().splitlines()[0])
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        # The postmaster and every backend at once, as a machine losing power would.
        for victim in [pid, *map(int, children)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        wait(lambda: not port_open(self.ports.postgres), "PostgreSQL's end", 30)

    def start_postgres(self) -> None:
        self._stack("start-postgres")

    def add(self, name: str, argv: list[str], env: dict[str, str], port: int) -> Process:
        process = Process(name, argv, env, port, self.logs / f"{name}.log")
        self.processes[name] = process
        process.start()
        return process

    def wait_ready(self, names: list[str] | None = None, timeout: float = 120) -> None:
        for name in names or list(self.processes):
            process = self.processes[name]
            wait(lambda p=process: p.ready(), name, timeout)
