"""The payment service killed (SIGKILL) between creating and confirming the PaymentIntent, then
restarted: exactly one invoice and exactly one successful charge in localstripe."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from tests.helpers.polling import eventually
from tests.helpers.stack import ROOT, free_port, fresh_database, unique
from tests.payment.support import (
    STRIPE_BASE,
    STRIPE_KEY,
    WEBHOOK_SECRET,
    create_tariff,
    new_driver,
    publish_session_stopped,
    running,
    save_card,
    stripe_client,
    successful_charges,
)


@contextlib.asynccontextmanager
async def payment_process(dsn: str, topic: str, group: str, **env: str) -> AsyncIterator[int]:
    """The payment service as a real process (uvicorn), as deployed; yields its pid."""
    port = free_port()
    values = {
        **os.environ,
        "LADDA_PAYMENT_DATABASE_URL": dsn,
        "LADDA_PAYMENT_PORT": str(port),
        "LADDA_PAYMENT_STRIPE_API_KEY": STRIPE_KEY,
        "LADDA_PAYMENT_STRIPE_API_BASE": STRIPE_BASE,
        "LADDA_PAYMENT_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "LADDA_PAYMENT_STRIPE_WEBHOOK_REGISTER_URL": "",
        "LADDA_PAYMENT_SESSIONS_TOPIC": topic,
        "LADDA_PAYMENT_CONSUMER_GROUP_SUFFIX": group,
        "LADDA_PAYMENT_COLLECTOR_POLL_INTERVAL_S": "0.5",
        "LADDA_LOG_FORMAT": "console",
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "services.payment.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        cwd=ROOT,
        env=values,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await eventually(lambda: _ready(port), timeout=60, interval=0.2)
        yield process.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _ready(port: int) -> bool:
    async with httpx.AsyncClient() as http:
        try:
            return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
        except httpx.TransportError:
            return False


@pytest.mark.timeout(180)
async def test_killed_between_create_and_confirm_charges_once(topic: str) -> None:
    dsn = await fresh_database("test_pay_crash")
    user_id, headers = new_driver()
    # Set up through the service itself, then stop it: only the processes below collect.
    async with running(dsn, sessions_topic=topic) as service:
        await save_card(service, headers)
        await create_tariff(service, charge_point_ids=["CRASH-CP"])
    db = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    assert db is not None
    group = unique(".crash")
    try:
        async with payment_process(
            dsn, topic, group, LADDA_PAYMENT_FAULT_PAUSE_BEFORE_CONFIRM_S="120"
        ) as pid:
            stopped, _ = await publish_session_stopped(
                topic, user_id=user_id, charge_point_id="CRASH-CP"
            )

            async def intent_created() -> bool:
                return bool(
                    await db.fetchval(
                        "select count(*) from payments where status = 'created' "
                        "and stripe_payment_intent_id is not null"
                    )
                )

            await eventually(intent_created, timeout=60)
            os.kill(pid, signal.SIGKILL)

        row: Any = await db.fetchrow("select stripe_payment_intent_id, status from payments")
        async with stripe_client() as client:
            intent = await client.v1.payment_intents.retrieve_async(row["stripe_payment_intent_id"])
        assert intent.status == "requires_confirmation"  # created, never confirmed
        assert await successful_charges(db, user_id) == []

        async with payment_process(dsn, topic, group):

            async def paid() -> bool:
                invoice = await db.fetchrow(
                    "select status from invoices where session_id = $1", stopped.session_id
                )
                return invoice is not None and invoice["status"] == "paid"

            await eventually(paid, timeout=60)
        assert await db.fetchval("select count(*) from invoices") == 1
        assert await db.fetchval("select count(*) from payments") == 1
        charges = await successful_charges(db, user_id)
        invoice = await db.fetchrow("select total_minor from invoices")
        assert [c["amount"] for c in charges] == [invoice["total_minor"]]
    finally:
        await db.close()
