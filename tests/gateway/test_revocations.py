"""Access revocations reach the gateway and every service built on `shared.service`.

identity publishes `access.revoked` on identity.users.v1 (tested end to end with identity in
test_identity_e2e.py); here the event is published as identity would, and both the gateway and
a service made by `create_service_app` (its own database, the real Kafka) must refuse the
subject's earlier token, and accept a later one.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import APIRouter
from pydantic import SecretStr

from shared.auth.deps import CurrentPrincipal
from shared.events.envelope import Envelope
from shared.events.identity import AccessRevoked
from shared.events.topics import IDENTITY_USERS
from shared.kafka import create_producer
from shared.service import ServiceRuntime, create_service_app
from shared.settings import ServiceSettings
from tests.gateway.conftest import Stack
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, serve, unique, wait_until_ready
from tests.helpers.tokens import StaticKeys, bearer


async def _publish(subject: str, not_before: datetime) -> None:
    producer = create_producer(os.environ["LADDA_KAFKA_BOOTSTRAP_SERVERS"], client_id="test")
    await producer.start()
    try:
        event = AccessRevoked(subject=subject, not_before=not_before, reason="roles-changed")
        envelope = Envelope.wrap(event, source="identity", subject=subject, correlation_id=None)
        await producer.send_and_wait(IDENTITY_USERS.name, envelope.to_bytes(), key=subject.encode())
    finally:
        await producer.stop()


@pytest.fixture(scope="module")
async def service_url(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A service on the platform's composition root with one route that needs a token."""
    router = APIRouter()

    @router.get("/v1/probe")
    async def probe(principal: CurrentPrincipal) -> dict[str, str]:
        return {"subject": principal.subject}

    settings = ServiceSettings(
        database_url=SecretStr(await fresh_database("test_gw_revocations")),
        consumer_group_suffix=unique("t"),
    )
    runtime = ServiceRuntime(
        name="probe", settings=settings, migrations=tmp_path_factory.mktemp("migrations")
    )
    app = create_service_app(
        runtime=runtime,
        title="probe",
        description="a service that checks tokens",
        routers=[router],
        key_source=StaticKeys(stack.key),
    )
    async with serve(app) as url:
        await wait_until_ready(url)
        yield url


async def test_a_revoked_subjects_earlier_token_is_refused_by_the_gateway_and_a_service(
    stack: Stack, gw: httpx.AsyncClient, service_url: str
) -> None:
    subject = unique("operator")
    earlier = bearer(stack.key.token(subject, roles=["operator"], iat=round(time.time() - 2, 3)))
    async with httpx.AsyncClient(base_url=service_url) as service:
        assert (await service.get("/v1/probe", headers=earlier)).status_code == 200
        assert (await gw.get("/v1/reservations", headers=earlier)).status_code != 401

        await _publish(subject, datetime.now(UTC))

        async def refused_everywhere() -> bool:
            direct = await service.get("/v1/probe", headers=earlier)
            through = await gw.get("/v1/reservations", headers=earlier)
            return direct.status_code == through.status_code == 401 and all(
                "revoked" in r.json()["detail"] for r in (direct, through)
            )

        await eventually(refused_everywhere)
        later = bearer(stack.key.token(subject, roles=["driver"], iat=round(time.time() + 1, 3)))
        assert (await service.get("/v1/probe", headers=later)).status_code == 200
        assert (await gw.get("/v1/reservations", headers=later)).status_code != 401
