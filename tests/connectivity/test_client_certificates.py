"""Security profile 3: chargers authenticated by a TLS client certificate, beside profile 2."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidMessage, InvalidStatus
from websockets.typing import Subprotocol

from tests.connectivity.clients import basic, exchange
from tests.connectivity.pki import Authority, Issued
from tests.connectivity.support import (
    OPERATOR,
    Service,
    new_charge_point,
    running,
    settings_for,
)
from tests.helpers.polling import eventually
from tests.helpers.stack import fresh_database, unique

BOOT = [2, "b1", "BootNotification", {"chargePointVendor": "Test", "chargePointModel": "T1"}]


@dataclass
class Pki:
    chargers: Authority
    stranger: Authority
    server_ca: Path


@dataclass
class Endpoint:
    service: Service
    pki: Pki

    @property
    def url(self) -> str:
        return self.service.ocpp_url.replace("ws://", "wss://")

    def context(self, client: Issued | None) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.pki.server_ca))
        if client is not None:
            context.load_cert_chain(client.cert_file, client.key_file)
        return context

    def open(
        self,
        cp_id: str,
        client: Issued | None,
        *,
        password: str | None = None,
        address: str = "127.0.0.1",
    ) -> connect:
        headers = {"Authorization": basic(cp_id, password)} if password else {}
        return connect(
            f"{self.url}/ocpp/{cp_id}",
            ssl=self.context(client),
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers=headers,
            open_timeout=10,
            local_addr=(address, 0),
        )

    async def refused(self, cp_id: str, client: Issued | None, address: str) -> int:
        with pytest.raises(InvalidStatus) as refused:
            async with self.open(cp_id, client, address=address):
                pass
        return refused.value.response.status_code


@pytest.fixture(scope="module")
async def endpoint(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Endpoint]:
    folder = tmp_path_factory.mktemp("pki")
    server_authority = Authority(folder, "server")
    server = server_authority.issue("127.0.0.1", ip="127.0.0.1")
    pki = Pki(
        Authority(folder, "chargers"), Authority(folder, "stranger"), server_authority.cert_file
    )
    dsn = await fresh_database("test_conn_client_certificates")
    settings = settings_for(
        dsn,
        ocpp_tls_cert_file=str(server.cert_file),
        ocpp_tls_key_file=str(server.key_file),
        ocpp_tls_client_ca_file=str(pki.chargers.cert_file),
    )
    async with running(settings) as service:
        yield Endpoint(service, pki)


async def security_events(service: Service, cp_id: str) -> list[tuple[str, str]]:
    async with service.pool.acquire() as conn:
        rows = await conn.fetch(
            "select kind, detail from security_events where charge_point_id = $1", cp_id
        )
    return [(row["kind"], row["detail"]) for row in rows]


async def refusal_recorded(service: Service, cp_id: str, kind: str) -> list[str]:
    """The details of the security events of this kind recorded for the charger (at least one)."""

    async def recorded() -> bool:
        return any(event[0] == kind for event in await security_events(service, cp_id))

    await eventually(recorded, timeout=10)
    return [
        detail for event_kind, detail in await security_events(service, cp_id) if event_kind == kind
    ]


async def boot(ws: ClientConnection) -> None:
    answer = await exchange(ws, BOOT)
    assert answer[0] == 3
    assert answer[2]["status"] == "Accepted"


async def test_a_profile_3_charger_connects_with_its_certificate_alone(
    endpoint: Endpoint,
) -> None:
    cp_id, _ = await new_charge_point(endpoint.service, security_profile=3)
    async with endpoint.open(cp_id, endpoint.pki.chargers.issue(cp_id)) as ws:
        await boot(ws)


async def test_a_certificate_naming_the_charger_in_its_san_is_accepted(
    endpoint: Endpoint,
) -> None:
    cp_id, _ = await new_charge_point(endpoint.service, security_profile=3)
    certificate = endpoint.pki.chargers.issue("Acme charger", dns=(cp_id,))
    async with endpoint.open(cp_id, certificate) as ws:
        await boot(ws)


async def test_a_profile_3_charger_without_a_certificate_is_refused_even_with_its_password(
    endpoint: Endpoint,
) -> None:
    cp_id, password = await new_charge_point(endpoint.service, security_profile=3)
    assert await endpoint.refused(cp_id, None, "127.0.0.41") == 401
    with pytest.raises(InvalidStatus) as refused:
        async with endpoint.open(cp_id, None, password=password, address="127.0.0.42"):
            pass
    assert refused.value.response.status_code == 401

    # Without anything to check it is refused before any database work; with the password, the
    # registry says a certificate was needed.
    async def both() -> bool:
        return len(await refusal_recorded(endpoint.service, cp_id, "missing_credentials")) == 2

    await eventually(both, timeout=10)
    details = await refusal_recorded(endpoint.service, cp_id, "missing_credentials")
    assert sum("no client certificate (security profile 3)" in detail for detail in details) == 1


async def test_a_certificate_for_another_charger_is_refused(endpoint: Endpoint) -> None:
    cp_id, _ = await new_charge_point(endpoint.service, security_profile=3)
    other, _ = await new_charge_point(endpoint.service, security_profile=3)
    assert await endpoint.refused(cp_id, endpoint.pki.chargers.issue(other), "127.0.0.43") == 401
    [detail] = await refusal_recorded(endpoint.service, cp_id, "bad_credentials")
    assert "another charge point" in detail


async def test_a_certificate_from_an_unknown_ca_ends_the_tls_handshake(
    endpoint: Endpoint,
) -> None:
    cp_id, _ = await new_charge_point(endpoint.service, security_profile=3)
    # TLS 1.3: the client's side of the TLS handshake is done before the server checks the
    # certificate, so the alert arrives where the HTTP answer was expected.
    with pytest.raises((OSError, InvalidMessage)):
        async with endpoint.open(cp_id, endpoint.pki.stranger.issue(cp_id), address="127.0.0.44"):
            pass

    # Counted as a failed login, though neither the address nor the charger is known there.
    async def recorded() -> bool:
        async with endpoint.service.pool.acquire() as conn:
            return bool(
                await conn.fetchval(
                    """select count(*) from security_events where kind = 'bad_credentials'
                        and charge_point_id is null and detail like '%refused by TLS%'"""
                )
            )

    await eventually(recorded, timeout=10)


async def test_a_profile_2_charger_keeps_basic_auth_on_the_same_port(endpoint: Endpoint) -> None:
    cp_id, password = await new_charge_point(endpoint.service)
    async with endpoint.open(cp_id, None, password=password) as ws:
        await boot(ws)
    # A certificate changes nothing for it: not even one naming it lets it in without a password.
    certificate = endpoint.pki.chargers.issue(cp_id)
    async with endpoint.open(cp_id, certificate, password=password) as ws:
        await boot(ws)
    assert await endpoint.refused(cp_id, certificate, "127.0.0.45") == 401
    with pytest.raises(InvalidStatus) as refused:
        async with endpoint.open(cp_id, certificate, password="w" * 20, address="127.0.0.46"):
            pass
    assert refused.value.response.status_code == 401


async def test_operators_set_the_profile_and_a_change_cuts_the_charger_off(
    endpoint: Endpoint,
) -> None:
    http = endpoint.service.http
    created = await http.post(
        "/v1/charge-points",
        json={"id": unique("CP"), "security_profile": 3},
        headers=OPERATOR,
    )
    assert created.status_code == 201, created.text
    assert created.json()["security_profile"] == 3
    cp_id, password = await new_charge_point(endpoint.service)
    assert (await http.get(f"/v1/charge-points/{cp_id}", headers=OPERATOR)).json()[
        "security_profile"
    ] == 2
    async with endpoint.open(cp_id, None, password=password) as ws:
        await boot(ws)
        changed = await http.patch(
            f"/v1/charge-points/{cp_id}", json={"security_profile": 3}, headers=OPERATOR
        )
        assert changed.json()["security_profile"] == 3

        async def closed() -> bool:
            return ws.close_code == 1008

        await eventually(closed, timeout=30)
    # From now on the password is not enough; the certificate is.
    assert await endpoint.refused(cp_id, None, "127.0.0.47") == 401
    async with endpoint.open(cp_id, endpoint.pki.chargers.issue(cp_id)) as ws:
        await boot(ws)
    invalid = await http.patch(
        f"/v1/charge-points/{cp_id}", json={"security_profile": 4}, headers=OPERATOR
    )
    assert invalid.status_code == 422


def test_a_client_ca_without_the_services_own_tls_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="ocpp_tls_client_ca_file needs"):
        settings_for("postgresql://unused/db", ocpp_tls_client_ca_file="/etc/chargers-ca.pem")
