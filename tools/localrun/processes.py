"""The local platform's processes: started from the Procfile, one log file each, stopped fast.

Every process gets a session (process group) of its own, so a stop reaches whatever it started
(uvicorn's workers, a JVM's helpers) and a Ctrl-C in the terminal reaches only us. Stopping
is done for all at once: SIGTERM to every group, one shared deadline, SIGKILL to what is left,
and every child reaped, so an exited child never looks alive (a zombie still answers
`killpg(pid, 0)`).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def parse_procfile(text: str, env: Mapping[str, str]) -> dict[str, str]:
    """`name: command` lines, `${VAR}` expanded from `env` (unknown ones left empty)."""
    processes: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        name, command = line.split(":", 1)
        processes[name.strip()] = _VARIABLE.sub(
            lambda m: env.get(m.group(1) or m.group(2), ""), command.strip()
        )
    return processes


def alive(pid: int) -> bool:
    """Is anything of the process group `pid` still running? Reaps the leader if it is ours."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # The group may hold only our own exited (zombie) leader: the reap above took it if it
    # had exited; a group answering now has a live member.
    return True


def signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def stop_groups(pids: Iterable[int], timeout_s: float, poll_s: float = 0.05) -> list[int]:
    """SIGTERM to every group at once, wait for all up to `timeout_s`, then SIGKILL the rest.
    Returns the groups that had to be killed."""
    waiting = [pid for pid in pids if alive(pid)]
    for pid in waiting:
        signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while waiting and time.monotonic() < deadline:
        time.sleep(poll_s)
        waiting = [pid for pid in waiting if alive(pid)]
    for pid in waiting:
        signal_group(pid, signal.SIGKILL)
    kill_deadline = time.monotonic() + 2.0
    while any(alive(pid) for pid in waiting) and time.monotonic() < kill_deadline:
        time.sleep(poll_s)
    return waiting


@dataclass
class Supervisor:
    """Runs named commands, each in its own process group, output to `<logs>/<name>.log`."""

    logs: Path
    env: Mapping[str, str]
    cwd: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: str) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{name}.log").open("ab") as out:
            process = subprocess.Popen(  # noqa: S602 - a Procfile line is a shell command
                command,
                shell=True,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.cwd,
                env=dict(self.env),
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def exited(self) -> dict[str, int]:
        """Processes that ended on their own, with their exit codes."""
        return {
            name: code
            for name, process in self.processes.items()
            if (code := process.poll()) is not None
        }

    def stop(self, timeout_s: float = 5.0) -> list[str]:
        """Stop every process (all at once); returns the names that had to be killed."""
        by_pid = {process.pid: name for name, process in self.processes.items()}
        killed = stop_groups(by_pid, timeout_s)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=1)
        self.processes.clear()
        return [by_pid[pid] for pid in killed]
