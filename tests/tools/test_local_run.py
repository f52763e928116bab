"""`make run` as a newcomer meets it: a fast, complete Ctrl-C, logs to files, the banner.

The end-to-end test runs `deploy/local/stack.py run` in a throwaway state directory with a
Procfile of stand-in processes and the platform's ports moved away; the shared PostgreSQL,
Kafka and Stripe server are found running and so are neither started nor stopped by it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from shared.logging import configure_logging
from tests.helpers.stack import ROOT
from tools.localrun.processes import Supervisor, alive, parse_procfile, stop_groups
from tools.localrun.view import Banner, Login, PlatformState, render

PY = sys.executable


def _python(code: str, token: str) -> str:
    return f'{PY} -c "{code}" {token}'


def _stand_ins(token: str) -> str:
    ignore_term = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(120)"
    )
    return "\n".join(
        [
            f"quick: {_python('import time; print(1, flush=True); time.sleep(120)', token)}",
            f"stubborn: {_python(ignore_term, token)}",
            f"family: sh -c '{_python('import time; time.sleep(120)', token)} & "
            f"{_python('import time; time.sleep(120)', token)}'",
            f"early: {_python('import sys; sys.exit(3)', token)}",
            "",
        ]
    )


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def _running(token: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if token.encode() in cmdline and state != "Z":
            pids.append(int(entry.name))
    return pids


def _kill_all(token: str) -> None:
    for pid in _running(token):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue


def test_stopping_process_groups_is_all_at_once_and_kills_what_ignores_sigterm(
    tmp_path: Path,
) -> None:
    token = f"ladda-stop-test-{os.getpid()}-{time.monotonic_ns()}"
    supervisor = Supervisor(tmp_path, dict(os.environ), ROOT)
    for name, command in parse_procfile(_stand_ins(token), {}).items():
        supervisor.start(name, command)
    try:
        deadline = time.monotonic() + 30
        # Every stand-in up before the stop (on a loaded machine "quick" may start last).
        while "up" not in (tmp_path / "stubborn.log").read_text(errors="replace") or (
            "1" not in _read(tmp_path / "quick.log")
        ):
            assert time.monotonic() < deadline, "the stand-ins did not start"
            time.sleep(0.1)
        while supervisor.exited().get("early") is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        started = time.monotonic()
        killed = supervisor.stop(timeout_s=2.0)
        took = time.monotonic() - started
    finally:
        _kill_all(token)
    # One shared deadline for all, not one per process; the exited one (a zombie until
    # reaped) did not make anyone wait.
    assert took < 5, took
    assert killed == ["stubborn"]
    assert _running(token) == []
    assert (tmp_path / "quick.log").read_text().strip() == "1"


def test_an_exited_child_is_not_taken_for_alive() -> None:
    child = subprocess.Popen(["true"], start_new_session=True)
    time.sleep(0.3)  # exited, not yet reaped: a zombie answers killpg(pid, 0)
    assert alive(child.pid) is False
    started = time.monotonic()
    assert stop_groups([child.pid], timeout_s=30) == []
    assert time.monotonic() - started < 1
    child.wait()  # already reaped above; lets Popen know


def test_the_procfile_expands_the_stack_environment() -> None:
    processes = parse_procfile(
        "# comment\nweb: serve --port ${PORT} --db $DB\n\nworker: run ${MISSING}x\n",
        {"PORT": "8080", "DB": "postgres://x"},
    )
    assert processes == {"web": "serve --port 8080 --db postgres://x", "worker": "run x"}


def test_the_banner_shows_where_everything_is_and_who_to_log_in_as() -> None:
    banner = Banner(
        web_url="http://127.0.0.1:8080/",
        gateway_url="http://127.0.0.1:8080",
        ocpp_url="ws://127.0.0.1:9000/ocpp",
        logins=(
            Login("admin", "admin@ladda.local", "a-pass"),
            Login("operator", "operator@example.com", "o-pass"),
            Login("driver", "demo.driver@example.com", "d-pass"),
        ),
        infra="PostgreSQL 127.0.0.1:55432",
        mail=".local/mail/",
    )
    state = PlatformState(
        services={"connectivity": True, "payment": False},
        chargers_online=3,
        chargers_total=3,
        sessions_active=1,
        sessions_done=500,
        invoices=4,
        invoices_paid=3,
        alerts_open=1,
        simulator="quiet-day, day 1 14:20: 4 sessions done",
    )
    console = Console(record=True, width=120)
    console.print(render(banner, state))
    text = console.export_text()
    for expected in (
        "http://127.0.0.1:8080/",
        "admin@ladda.local  /  a-pass",
        "operator@example.com  /  o-pass",
        "demo.driver@example.com  /  d-pass",
        "mail",
        ".local/mail/",
        ".local/logs/",
        "3 online of 3",
        "1 charging, 500+ done",
        "4 issued, 3 paid",
        "1 open",
        "quiet-day, day 1 14:20",
        "Ctrl-C stops everything",
    ):
        assert expected in text, expected


def test_the_ocpp_librarys_frame_logging_is_off() -> None:
    configure_logging("simulator", level="INFO", fmt="json")
    assert not logging.getLogger("ocpp").isEnabledFor(logging.INFO)
    assert logging.getLogger("ocpp").isEnabledFor(logging.WARNING)


def test_ctrl_c_on_make_run_is_back_within_10_s_with_nothing_left_running(
    tmp_path: Path,
) -> None:
    token = f"ladda-run-test-{os.getpid()}-{time.monotonic_ns()}"
    procfile = tmp_path / "Procfile"
    procfile.write_text(_stand_ins(token))
    state = tmp_path / "local"
    output = (tmp_path / "run.out").open("wb")
    # Not the shared stack's environment (the tests' conftest loaded it): this stack's own.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LADDA_")},
        "LADDA_LOCAL_DIR": str(state),
        "LADDA_PROCFILE": str(procfile),
        "LADDA_PORT_OFFSET": "20000",
    }
    run = subprocess.Popen(
        [PY, str(ROOT / "deploy/local/stack.py"), "run"],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        stubborn = state / "logs" / "stubborn.log"
        while not stubborn.exists() or "up" not in stubborn.read_text(errors="replace"):
            assert run.poll() is None, (tmp_path / "run.out").read_text()
            assert time.monotonic() < deadline, (tmp_path / "run.out").read_text()
            time.sleep(0.2)
        assert len(_running(token)) >= 4
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        started = time.monotonic()
        run.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        _kill_all(token)
        output.close()
    out = (tmp_path / "run.out").read_text(errors="replace")
    assert took < 10, out
    assert _running(token) == [], out
    assert "stopped in" in out
    # The shared infrastructure was found running, so this run neither started nor stopped it.
    assert "PostgreSQL: already running" in out and "PostgreSQL: stopped" not in out
    assert not (state / "run" / "kafka.pid").exists()
    # Each process logs to its own file; the banner did not scroll away under them.
    assert {p.name for p in (state / "logs").glob("*.log")} >= {
        "quick.log",
        "stubborn.log",
        "family.log",
    }
    assert "admin login" in out and "http://127.0.0.1:28080" in out
