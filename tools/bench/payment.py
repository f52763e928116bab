"""Billing latency: session stop -> invoice paid, for 50 sessions stopping together.

The payment service runs as its own uvicorn process (as deployed) on a fresh database and a
sessions topic of its own. 50 drivers with a saved card (localstripe) stop a session at the same
moment: 50 `session.stopped` events are published at once, and each session's latency runs from
its publication to its invoice's `paid_at` (consume, price, invoice, outbox, collector, Stripe
PaymentIntent create + confirm, settle). The baseline, measured in the same run against the same
localstripe: the bare Stripe calls one invoice needs (create + confirm a PaymentIntent), made
directly for 50 invoices at once. Figures: p50 and p99 of both, as ratios.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import SecretStr

from services.payment.customers import service as customers
from services.payment.settings import Settings
from services.payment.stripe_gateway import StripeGateway
from services.payment.tariffs import service as tariffs
from services.payment.tariffs.schemas import PriceComponent, TariffCreate, TariffElement
from shared.db import create_pool
from shared.events.charging import SessionStopped
from shared.events.envelope import Envelope
from shared.kafka import create_producer
from tools.bench import Figure
from tools.localstack import ROOT

SESSIONS = int(os.environ.get("LADDA_BENCH_PAYMENT_SESSIONS", "50"))
STRIPE_TIMEOUT_S = 300.0
DEADLINE_S = 600.0
DATABASE = "ladda_bench_payment"
LOGS = ROOT / ".local" / "logs"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _fresh_database() -> str:
    admin = os.environ["LADDA_PG_ADMIN_URL"]
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'drop database if exists "{DATABASE}" with (force)')
        await conn.execute(f'create database "{DATABASE}"')
    finally:
        await conn.close()
    return admin.rsplit("/", 1)[0] + "/" + DATABASE


@contextlib.asynccontextmanager
async def _topic() -> AsyncIterator[str]:
    name = f"bench.payment.sessions-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"])
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=6, replication_factor=1)])
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def _service(env: dict[str, str]) -> AsyncIterator[None]:
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / "bench-payment.log"
    port = env["LADDA_PAYMENT_PORT"]
    with log_path.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", "services.payment.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", port, "--no-access-log", "--log-level", "warning",
            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                deadline = time.monotonic() + 60
                while True:
                    if process.returncode is not None:
                        raise RuntimeError(f"payment exited; see {log_path}")
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                            break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"payment not ready in 60 s; see {log_path}")
                    await asyncio.sleep(0.2)
            yield
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 15)
                except TimeoutError:
                    process.kill()
                    await process.wait()


def _free_port() -> str:
    import socket

    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


async def _drivers(pool: asyncpg.Pool, stripe: StripeGateway, count: int) -> list[str]:
    """Drivers with a saved card, made by the service's own code (as the app's calls would)."""

    async def one() -> str:
        user_id = str(uuid.uuid4())
        async with pool.acquire() as conn, conn.transaction():
            customer = await customers.ensure_stripe_customer(conn, stripe, user_id)
            intent = await stripe.create_setup_intent(customer, user_id, uuid.uuid4().hex)
            await stripe.confirm_setup_intent(intent.id, "pm_card_visa")
            await customers.complete_setup(conn, stripe, user_id, intent.id)
        return user_id

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def _baseline(
    stripe: StripeGateway, customers_and_methods: list[tuple[str, str]]
) -> list[float]:
    """The bare Stripe calls of one invoice (create + confirm), for every invoice at once."""

    async def one(customer: str, method: str) -> float:
        started = time.monotonic()
        intent = await stripe.create_payment_intent(
            key=f"bench:{uuid.uuid4()}",
            amount=9375,
            currency="SEK",
            customer_id=customer,
            payment_method_id=method,
            metadata={"bench": "baseline"},
        )
        confirmed = await stripe.confirm_payment_intent(intent.id)
        assert confirmed.status == "succeeded", confirmed.status
        return (time.monotonic() - started) * 1000

    return list(await asyncio.gather(*(one(c, m) for c, m in customers_and_methods)))


async def _measure(pool: asyncpg.Pool, topic: str, users: list[str]) -> list[float]:
    producer = create_producer(os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"], client_id="bench-pay")
    await producer.start()
    start = datetime.now(UTC) - timedelta(minutes=30)
    published: dict[str, float] = {}
    try:
        sends = []
        for index, user_id in enumerate(users):
            event = SessionStopped(
                session_id=str(uuid.uuid4()), charge_point_id=f"BENCH-CP-{index % 10}",
                connector_id=1, transaction_id=str(index), id_tag=None, user_id=user_id,
                started_at=start, stopped_at=start + timedelta(minutes=30), duration_s=1800,
                energy_wh=20_000, stop_reason="EVDisconnected",
            )  # fmt: skip
            envelope = Envelope.wrap(
                event, source="bench", subject=event.session_id, correlation_id=None
            )
            published[event.session_id] = time.time()
            sends.append(
                await producer.send(topic, envelope.to_bytes(), key=event.charge_point_id.encode())
            )
        await asyncio.gather(*sends)
    finally:
        await producer.stop()
    deadline = time.monotonic() + DEADLINE_S
    while True:
        rows = await pool.fetch(
            "select session_id, extract(epoch from paid_at) as paid from invoices "
            "where status = 'paid'"
        )
        if len(rows) >= len(users) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    if len(rows) < len(users):
        raise RuntimeError(f"only {len(rows)} of {len(users)} invoices paid in {DEADLINE_S:.0f} s")
    return [(float(row["paid"]) - published[row["session_id"]]) * 1000 for row in rows]


async def run() -> list[Figure]:
    dsn = await _fresh_database()
    port = _free_port()
    settings = Settings(
        database_url=SecretStr(dsn),
        stripe_api_key=SecretStr(
            os.environ.get("LADDA_PAYMENT_STRIPE_API_KEY", "sk_test_ladda_local")
        ),
        stripe_api_base=os.environ.get("LADDA_PAYMENT_STRIPE_API_BASE", "http://127.0.0.1:8420"),
        # localstripe answers one request at a time: 50 invoices at once queue behind each other.
        stripe_timeout_s=STRIPE_TIMEOUT_S,
    )
    stripe = StripeGateway(settings)
    async with _topic() as topic:
        env = {
            "LADDA_PAYMENT_DATABASE_URL": dsn,
            "LADDA_PAYMENT_PORT": port,
            "LADDA_PAYMENT_SESSIONS_TOPIC": topic,
            "LADDA_PAYMENT_CONSUMER_GROUP_SUFFIX": f".bench-{uuid.uuid4().hex[:6]}",
            "LADDA_PAYMENT_STRIPE_WEBHOOK_REGISTER_URL": "",
            "LADDA_PAYMENT_STRIPE_API_KEY": settings.stripe_api_key.get_secret_value(),
            "LADDA_PAYMENT_STRIPE_API_BASE": settings.stripe_api_base or "",
            "LADDA_PAYMENT_STRIPE_TIMEOUT_S": str(STRIPE_TIMEOUT_S),
        }
        async with _service(env):
            pool = await create_pool(dsn, min_size=1, max_size=4)
            try:
                async with pool.acquire() as conn:
                    await tariffs.create(
                        conn,
                        TariffCreate(
                            name="Bench",
                            valid_from=datetime.now(UTC) - timedelta(days=1),
                            elements=[
                                TariffElement(
                                    price_components=[
                                        PriceComponent(type="ENERGY", price_minor=350),
                                        PriceComponent(type="FLAT", price_minor=500),
                                    ]
                                )
                            ],
                        ),
                        settings,
                        "bench",
                    )
                users = await _drivers(pool, stripe, SESSIONS)
                rows = await pool.fetch(
                    "select c.stripe_customer_id, c.default_payment_method_id from customers c"
                )
                pairs = [(r["stripe_customer_id"], r["default_payment_method_id"]) for r in rows]
                baseline = await _baseline(stripe, pairs)
                measured = await _measure(pool, topic, users)
            finally:
                await pool.close()
    await stripe.aclose()
    note = (
        f"{SESSIONS} sessions stopping together; mean {statistics.fmean(measured):.0f} ms "
        f"(bare Stripe mean {statistics.fmean(baseline):.0f} ms)"
    )
    return [
        Figure(
            name="payment: stop -> invoice paid p50",
            value=_percentile(measured, 0.5),
            baseline=_percentile(baseline, 0.5),
            unit="ms",
            baseline_name="PaymentIntent create + confirm straight to localstripe, p50",
            higher_is_better=False,
            note=note,
        ),
        Figure(
            name="payment: stop -> invoice paid p99",
            value=_percentile(measured, 0.99),
            baseline=_percentile(baseline, 0.99),
            unit="ms",
            baseline_name="PaymentIntent create + confirm straight to localstripe, p99",
            higher_is_better=False,
        ),
    ]


def main() -> None:
    from tools.localstack import load_stack_env

    load_stack_env()
    for figure in asyncio.run(run()):
        print(
            f"{figure.name}: {figure.value:.1f} ms vs {figure.baseline:.1f} ms = {figure.ratio:.2f}"
        )


if __name__ == "__main__":
    main()
