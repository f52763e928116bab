"""The gateway's operational surface and slow operations: metrics and readiness are not public,
readiness waits for the whole OpenAPI document, and commands are not cut off at 10 s."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests.gateway.conftest import Stack, assert_problem
from tests.helpers.stack import free_port, serve
from tests.helpers.tokens import bearer


async def test_metrics_are_not_public(stack: Stack) -> None:
    async with stack.gateway() as gw:
        # On main anyone could read /metrics.
        assert_problem(await gw.get("/metrics"), 401)
        driver = bearer(stack.key.token(roles=["driver"]))
        assert_problem(await gw.get("/metrics", headers=driver), 403)
        operator = bearer(stack.key.token(roles=["operator"]))
        assert_problem(await gw.get("/metrics", headers=operator), 403)
        admin = await gw.get("/metrics", headers=stack.admin)
        assert admin.status_code == 200
        assert "ladda_http_request_duration_seconds" in admin.text


async def test_metrics_and_detailed_readiness_on_the_internal_port(stack: Stack) -> None:
    internal = free_port()
    async with stack.gateway(internal_port=internal) as gw:
        public = await gw.get("/readyz")
        assert "checks" not in public.json()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{internal}") as client:
            assert (await client.get("/metrics")).status_code == 200
            detailed = (await client.get("/readyz")).json()
            assert set(detailed["checks"]) == {"revocations", "openapi"}
        with_admin = await gw.get("/readyz", headers=stack.admin)
        assert set(with_admin.json()["checks"]) == {"revocations", "openapi"}
        driver = bearer(stack.key.token(roles=["driver"]))
        assert_problem(await gw.get("/readyz", headers=driver), 403)


async def test_ready_only_once_the_openapi_document_holds_every_upstream(stack: Stack) -> None:
    late_port = free_port()
    async with stack.gateway(
        upstream_payment=f"http://127.0.0.1:{late_port}",
        upstream_connectivity=stack.echo_url,
        upstream_identity=stack.echo_url,
        upstream_analytics=stack.echo_url,
        upstream_notifications=stack.echo_url,
    ) as gw:
        # Payment is not answering: the merged document lacks its paths, so not ready (on main
        # the gateway said ready at once and served a partial document).
        response = await gw.get("/readyz", headers=stack.admin)
        assert response.status_code == 503, response.text
        assert response.json()["checks"]["openapi"] is False

        late = FastAPI()

        @late.get("/v1/invoices")
        async def invoices() -> list[str]:
            return []

        async with serve(late, port=late_port):
            deadline = asyncio.get_running_loop().time() + 15
            while (await gw.get("/readyz")).status_code != 200:
                assert asyncio.get_running_loop().time() < deadline, "never ready"
                await asyncio.sleep(0.2)
            document = (await gw.get("/openapi.json")).json()
            assert "/v1/invoices" in document["paths"]
            assert "/v1/support/echo" in document["paths"]


async def test_a_command_waiting_for_the_charger_is_not_cut_off_by_the_default_timeout(
    stack: Stack,
) -> None:
    # The upstream answers a command after 1.5 s; the connectivity slot's timeout is 0.5 s.
    # On main: 504 after 0.5 s (in production 10 s, while connectivity waits 30 s) and operators
    # retried, duplicating RemoteStart or Reset.
    async with stack.gateway(
        upstream_connectivity=stack.echo_url,
        upstream_timeouts={"support": 0.5, "connectivity": 0.5},
        route_timeouts={"POST /v1/charge-points/*/commands": 5.0},
    ) as gw:
        operator = bearer(stack.key.token(roles=["operator"]))
        response = await gw.post(
            "/v1/charge-points/CP-1/commands",
            json={"action": "Reset", "timeout_s": 1.5},
            headers=operator,
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "Accepted"
        # Other connectivity reads keep the short timeout.
        slow_read = await gw.get("/v1/charge-points/CP-1/commands/x", headers=operator)
        assert slow_read.status_code == 404
        # A command that outlives even its own timeout still ends in 504.
        late = await gw.post(
            "/v1/charge-points/CP-1/commands", json={"timeout_s": 6}, headers=operator
        )
        assert_problem(late, 504)
