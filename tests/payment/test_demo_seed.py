"""`make run`'s demo seed (tools/demo) through a real gateway, identity and payment: the demo
driver owns the simulator's tag, has a card in localstripe, and their sessions are paid; after
localstripe lost the card, seeding again saves a fresh one and billing goes on."""

from __future__ import annotations

import httpx
import pytest

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from services.identity.app import create_app as create_identity
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, serve, wait_until_ready
from tests.identity.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, identity_settings
from tests.payment.support import (
    STRIPE_BASE,
    invoice_of_session,
    publish_session_stopped,
    running,
    stripe_client,
)
from tools.demo.__main__ import DEMO_CHARGER, DEMO_TAG, DRIVER_EMAIL, DRIVER_PASSWORD, seed


async def test_the_demo_driver_is_seeded_and_billed(
    topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LADDA_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL)
    monkeypatch.setenv("LADDA_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
    identity_dsn = await fresh_database("test_pay_demo_identity")
    async with serve(create_identity(identity_settings(identity_dsn))) as identity_url:
        await wait_until_ready(identity_url)
        jwks = f"{identity_url}/.well-known/jwks.json"
        payment_dsn = await fresh_database("test_pay_demo_payment")
        async with running(payment_dsn, sessions_topic=topic, jwks_url=jwks) as payment:
            gateway = create_gateway(
                GatewaySettings(
                    jwks_url=jwks,
                    rate_limit_enabled=False,
                    upstream_identity=identity_url,
                    upstream_payment=payment.url,
                )
            )
            async with serve(gateway) as gateway_url:
                await seed(gateway_url, STRIPE_BASE)
                await seed(gateway_url, STRIPE_BASE)  # again: nothing is added twice

                async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as http:
                    login = await http.post(
                        "/v1/auth/login", json={"email": DRIVER_EMAIL, "password": DRIVER_PASSWORD}
                    )
                    driver = {"Authorization": f"Bearer {login.json()['access_token']}"}
                    me = (await http.get("/v1/users/me", headers=driver)).json()
                    tokens = (await http.get("/v1/id-tokens", headers=driver)).json()["items"]
                    assert [t["uid"] for t in tokens] == [DEMO_TAG]
                    methods = (await http.get("/v1/payment-methods", headers=driver)).json()
                    assert [(m["last4"], m["is_default"]) for m in methods] == [("4242", True)]
                    price = await http.get(f"/v1/tariffs/current/{DEMO_CHARGER}/1")
                    assert price.status_code == 200

                    stopped, _ = await publish_session_stopped(
                        topic, user_id=me["id"], charge_point_id=DEMO_CHARGER, id_tag=DEMO_TAG
                    )

                    async def paid() -> bool:
                        invoice = await invoice_of_session(payment, stopped.session_id)
                        return invoice is not None and invoice["status"] == "paid"

                    await eventually(paid, timeout=60)
                    invoices = (await http.get("/v1/invoices", headers=driver)).json()
                    assert [i["status"] for i in invoices] == ["paid"]
                    assert invoices[0]["total_minor"] > 0

                    # `make run` after the Stripe test server lost its data: the saved card no
                    # longer works (a charge fails); seeding again saves a fresh card, pays the
                    # open invoice and the next session is paid.
                    old_card = methods[0]["id"]
                    async with stripe_client() as client:
                        await client.v1.customers.delete_async(
                            await payment.db.fetchval(
                                "select stripe_customer_id from customers where user_id = $1",
                                me["id"],
                            )
                        )
                    unpaid, _ = await publish_session_stopped(
                        topic, user_id=me["id"], charge_point_id=DEMO_CHARGER, id_tag=DEMO_TAG
                    )

                    async def owing() -> bool:
                        invoice = await invoice_of_session(payment, unpaid.session_id)
                        return invoice is not None and invoice["failed_attempts"] == 1

                    await eventually(owing, timeout=60)
                    await seed(gateway_url, STRIPE_BASE)
                    methods = (await http.get("/v1/payment-methods", headers=driver)).json()
                    assert [m["is_default"] for m in methods] == [True]
                    assert methods[0]["id"] != old_card
                    standing = await http.get("/v1/payment-methods/standing", headers=driver)
                    assert standing.json()["has_overdue_invoice"] is False
                    settled = await invoice_of_session(payment, unpaid.session_id)
                    assert settled is not None and settled["status"] == "paid"
                    again, _ = await publish_session_stopped(
                        topic, user_id=me["id"], charge_point_id=DEMO_CHARGER, id_tag=DEMO_TAG
                    )

                    async def paid_again() -> bool:
                        invoice = await invoice_of_session(payment, again.session_id)
                        return invoice is not None and invoice["status"] == "paid"

                    await eventually(paid_again, timeout=60)
