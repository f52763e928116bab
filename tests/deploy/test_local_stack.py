"""The local stack's process control (deploy/local/stack.py), on throwaway processes."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.helpers.stack import free_port

ROOT = Path(__file__).resolve().parents[2]


def load_stack() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ladda_local_stack", ROOT / "deploy/local/stack.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("ladda_local_stack", module)
    spec.loader.exec_module(module)
    return module


# _spawn detaches its processes on purpose (they outlive `make up`), dropping the Popen object.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_stopping_a_child_that_exits_at_once_does_not_wait_out_the_timeout(tmp_path: Path) -> None:
    # A child of the stopping process that has exited stays a zombie until reaped, and a zombie
    # still answers killpg(pid, 0): Ctrl-C on `make run` waited 30 s for localstripe, 60 s for Kafka.
    stack = load_stack()
    stack.RUN = tmp_path
    stack._spawn("sleeper", ["sleep", "60"], tmp_path / "sleeper.log")
    started = time.monotonic()
    stack._stop("sleeper", timeout=30)
    assert time.monotonic() - started < 5
    assert not (tmp_path / "sleeper.pid").exists()


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_stripe_test_server_keeps_its_objects_with_the_stack(tmp_path: Path) -> None:
    # `make run` started localstripe with --from-scratch while PostgreSQL kept payment's data:
    # after a restart the demo driver's saved card was unknown to Stripe and the tag refused.
    stack = load_stack()
    stack.RUN = stack.LOGS = tmp_path
    stack.STRIPE_STORE = tmp_path / "stripe" / "store.pickle"
    stack.STRIPE_PORT = free_port()
    api = f"http://127.0.0.1:{stack.STRIPE_PORT}"
    auth = ("sk_test_ladda_stack", "")
    try:
        stack.start_stripe()
        created = httpx.post(f"{api}/v1/customers", data={"email": "kept@example.com"}, auth=auth)
        customer_id = created.json()["id"]
        stack._stop("stripe")
        stack.start_stripe()
        assert httpx.get(f"{api}/v1/customers/{customer_id}", auth=auth).status_code == 200
    finally:
        stack._stop("stripe")
    assert stack.STRIPE_STORE.is_file()
