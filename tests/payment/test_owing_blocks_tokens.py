"""A declined charge makes the driver owe; identity blocks their tokens; paying unblocks them.

Real identity and real Kafka: payment publishes the standing on payment.accounts.v1, identity
decides the driver's RFID card (the decision a charger gets through connectivity's copy).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.identity.app import create_app as create_identity
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, serve, unique, wait_until_ready
from tests.identity.conftest import identity_settings
from tests.payment.support import (
    PaymentService,
    auth,
    create_tariff,
    invoice_of_session,
    publish_session_stopped,
    save_card,
    successful_charges,
)


@pytest.fixture(scope="module")
async def identity() -> AsyncIterator[tuple[httpx.AsyncClient, asyncpg.Pool]]:
    dsn = await fresh_database("test_pay_identity")
    async with serve(create_identity(identity_settings(dsn))) as url:
        await wait_until_ready(url)
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
        assert pool is not None
        try:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                yield http, pool
        finally:
            await pool.close()


async def test_owing_blocks_the_drivers_card_and_paying_unblocks_it(
    payment: PaymentService, topic: str, identity: tuple[httpx.AsyncClient, asyncpg.Pool]
) -> None:
    http, identity_db = identity
    email, password = f"{unique('driver')}@example.com", "correct horse battery"
    registered = await http.post("/v1/auth/register", json={"email": email, "password": password})
    assert registered.status_code == 201, registered.text
    user_id = registered.json()["id"]
    login = await http.post("/v1/auth/login", json={"email": email, "password": password})
    uid = unique("RFID").replace("-", "").upper()[:16]
    card = await http.post(
        "/v1/id-tokens",
        json={"kind": "rfid", "uid": uid},
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
    )
    assert card.status_code == 201 and card.json()["decision"] == "Blocked"

    async def decision_is(expected: str) -> bool:
        row = await identity_db.fetchrow(
            "select decision, reason from id_token_decisions where uid = $1", uid
        )
        return row is not None and row["decision"] == expected

    # A card on file (one whose charges will be declined): the RFID card is accepted.
    driver = auth(user_id, "driver")
    await save_card(payment, driver, card="pm_card_chargeCustomerFail")
    # A fresh identity first reads payment.accounts.v1 from its beginning (shared, and long
    # on a machine that has run many tests): a generous first wait.
    await eventually(lambda: decision_is("Accepted"), timeout=180)

    # A session; its charge is declined: the driver owes, the RFID card is blocked.
    await create_tariff(payment, charge_point_ids=["OWE-CP"])
    stopped, _ = await publish_session_stopped(topic, user_id=user_id, charge_point_id="OWE-CP")
    await eventually(lambda: decision_is("Blocked"), timeout=60)
    reason = await identity_db.fetchval("select reason from id_token_decisions where uid = $1", uid)
    assert reason == "overdue-invoice"
    invoice = await invoice_of_session(payment, stopped.session_id)
    assert invoice is not None and invoice["status"] == "open"

    # The driver adds a working card and pays the open invoice from the app: accepted again.
    good = await save_card(payment, driver)
    paid = await payment.http.post(
        f"/v1/invoices/{invoice['id']}/pay", json={"payment_method_id": good["id"]}, headers=driver
    )
    assert paid.status_code == 200, paid.text
    await eventually(lambda: decision_is("Accepted"), timeout=60)
    assert len(await successful_charges(payment.db, user_id)) == 1
