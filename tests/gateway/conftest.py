"""Fixtures of the gateway tests: the gateway in front of real upstreams.

Real HTTP servers on loopback: the booking and operations services (each with a fresh database),
a JWKS server holding a real ES256 key, and a small upstream under the test's control in the
support and connectivity slots (it can echo, be slow, or stream). The payment slot points at a
closed port.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from gateway.app import create_app
from gateway.settings import GatewaySettings
from services.booking.app import create_app as create_booking
from services.booking.settings import Settings as BookingSettings
from services.operations.app import create_app as create_operations
from services.operations.settings import Settings as OperationsSettings
from tests.gateway.support import echo_app
from tests.helpers.stack import free_port, fresh_database, serve, unique, wait_until_ready
from tests.helpers.tokens import JwksServer, SigningKey, bearer

PROBLEM = "application/problem+json"


@dataclass
class Stack:
    key: SigningKey
    jwks: JwksServer
    jwks_url: str
    echo_url: str
    booking_url: str
    operations_url: str
    dead_url: str

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.key.token("admin", roles=["admin"]))

    def settings(self, **overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "jwks_url": self.jwks_url,
            "upstream_booking": self.booking_url,
            "upstream_operations": self.operations_url,
            "upstream_support": self.echo_url,
            "upstream_payment": self.dead_url,
            "upstream_connectivity": self.dead_url,
            "upstream_identity": self.dead_url,
            "upstream_analytics": self.dead_url,
            "upstream_notifications": self.dead_url,
            "upstream_timeouts": {"support": 0.5},
            "rate_limit_per_user": "10000/minute",
            "rate_limit_per_address": "10000/minute",
            "cors_origins": ["https://app.ladda.example"],
            "log_format": "console",
        }
        values.update(overrides)
        return GatewaySettings(**values)

    @contextlib.asynccontextmanager
    async def gateway(self, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        async with (
            serve(create_app(self.settings(**overrides))) as url,
            httpx.AsyncClient(base_url=url, timeout=10) as client,
        ):
            yield client


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[Stack]:
    key = SigningKey()
    jwks = JwksServer(key)
    async with serve(jwks.app) as jwks_base, serve(echo_app()) as echo_url:
        jwks_url = f"{jwks_base}/.well-known/jwks.json"
        platform = {"LADDA_JWKS_URL": jwks_url}
        booking = create_booking(
            BookingSettings(
                database_url=SecretStr(await fresh_database("test_gw_booking")),
                consumer_group_suffix=unique("t"),
                **platform,
            )
        )
        operations = create_operations(
            OperationsSettings(
                database_url=SecretStr(await fresh_database("test_gw_operations")),
                consumer_group_suffix=unique("t"),
                **platform,
            )
        )
        async with serve(booking) as booking_url, serve(operations) as operations_url:
            await wait_until_ready(booking_url)
            await wait_until_ready(operations_url)
            yield Stack(
                key=key,
                jwks=jwks,
                jwks_url=jwks_url,
                echo_url=echo_url,
                booking_url=booking_url,
                operations_url=operations_url,
                dead_url=f"http://127.0.0.1:{free_port()}",
            )


@pytest.fixture(scope="module")
async def gw(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.gateway() as client:
        yield client


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://ladda.dev/problems/")
    assert "Traceback" not in response.text
    return body
