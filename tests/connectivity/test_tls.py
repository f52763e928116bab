"""Security profile 2 with TLS terminated by the service itself (certificate configured)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from tests.connectivity.clients import basic
from tests.connectivity.support import Service, new_charge_point, running, settings_for
from tests.helpers.stack import fresh_database


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture(scope="module")
async def tls_service(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Service, Path]]:
    cert_file, key_file = self_signed(tmp_path_factory.mktemp("tls"))
    dsn = await fresh_database("test_conn_tls")
    settings = settings_for(dsn, ocpp_tls_cert_file=str(cert_file), ocpp_tls_key_file=str(key_file))
    async with running(settings) as service:
        yield service, cert_file


async def test_charger_connects_over_tls_with_basic_auth(tls_service: tuple[Service, Path]) -> None:
    service, cert_file = tls_service
    cp_id, password = await new_charge_point(service)
    context = ssl.create_default_context(cafile=str(cert_file))
    url = service.ocpp_url.replace("ws://", "wss://") + f"/ocpp/{cp_id}"
    async with connect(
        url,
        ssl=context,
        subprotocols=[Subprotocol("ocpp1.6")],
        additional_headers={"Authorization": basic(cp_id, password)},
    ) as ws:
        await ws.send('[2, "1", "Heartbeat", {}]')
        assert '"currentTime"' in await ws.recv()
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            url,
            ssl=context,
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers={"Authorization": basic(cp_id, "w" * 20)},
        ):
            pass
    assert refused.value.response.status_code == 401
