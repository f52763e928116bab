"""The local stack's Stripe test server keeps its objects in the stack's own store file.

A real localstripe through `tools/stripe_server.py`, on a free port, with its store in a
temporary folder: objects outlive a restart (even a SIGKILL right after the write), and a
server with another store file (another stack) does not see them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from tests.helpers.polling import eventually
from tests.helpers.stack import ROOT, free_port

KEY = ("sk_test_ladda_store", "")


@contextlib.asynccontextmanager
async def stripe_server(store: Path) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "tools.stripe_server", "--port", str(port), "--store", str(store)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", auth=KEY, timeout=10
        ) as api:

            async def answers() -> bool:
                assert proc.returncode is None, "the Stripe test server exited"
                with contextlib.suppress(httpx.TransportError):
                    return (await api.get("/v1/customers")).status_code == 200
                return False

            await eventually(answers, timeout=30, interval=0.2)
            yield api
    finally:
        # SIGKILL: what was answered must already be on disk, not only written at shutdown.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 10)


async def test_objects_survive_a_restart_and_stay_with_their_store(tmp_path: Path) -> None:
    store = tmp_path / "stack" / "stripe" / "store.pickle"
    async with stripe_server(store) as api:
        created = await api.post("/v1/customers", data={"email": "kept@example.com"})
        assert created.status_code == 200
        customer_id = created.json()["id"]
    assert store.is_file()

    async with stripe_server(store) as api:
        found = await api.get(f"/v1/customers/{customer_id}")
        assert found.status_code == 200
        assert found.json()["email"] == "kept@example.com"

    async with stripe_server(tmp_path / "other-stack" / "store.pickle") as api:
        assert (await api.get(f"/v1/customers/{customer_id}")).status_code == 404


async def test_an_unreadable_store_is_set_aside_not_fatal(tmp_path: Path) -> None:
    store = tmp_path / "store.pickle"
    store.write_bytes(b"\x80\x05truncated")
    async with stripe_server(store) as api:
        assert (await api.post("/v1/customers", data={"email": "new@example.com"})).is_success
    assert (tmp_path / "store.pickle.unreadable").read_bytes() == b"\x80\x05truncated"
