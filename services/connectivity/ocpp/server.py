"""The OCPP WebSocket endpoint `ws://host:port/ocpp/{chargePointId}`: handshake security, routing.

Handshake: the subprotocol must be `ocpp1.6` or `ocpp2.0.1`. A charger of security profile 1
or 2 must send HTTP Basic credentials naming it with its current password; one of profile 3
must have sent a TLS client certificate, verified against `ocpp_tls_client_ca_file`, whose
subject CN (or a DNS name of its SAN) is its id (see certificates.py). An unknown, retired or
wrongly authenticated charger is refused with a bare 401 and a security event is recorded
(rate-limited, see handshake.py for what is refused before any database work).
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import ssl
import uuid
import weakref
from collections.abc import Sequence
from urllib.parse import unquote

import asyncpg
import structlog
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, InvalidHeader
from websockets.headers import parse_authorization_basic, parse_subprotocol
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from services.connectivity.chargepoints import service as cp_service
from services.connectivity.chargepoints.reports import ConnectedCharger
from services.connectivity.credentials import verify_password
from services.connectivity.ocpp.batching import Overloaded
from services.connectivity.ocpp.certificates import (
    CERTIFICATE_PROFILE,
    certificate_names,
    report_verification_failures,
)
from services.connectivity.ocpp.handlers import CONNECTION_TYPES
from services.connectivity.ocpp.handshake import HandshakeGuard, can_be_valid, printable
from services.connectivity.ocpp.hub import Hub

log = structlog.get_logger(__name__)
# websockets logs every opened and closed connection at INFO; with 10,000 chargers that is
# noise (and CPU). Connection events are logged by this module at DEBUG instead.
_WEBSOCKETS_LOG = logging.getLogger("services.connectivity.ocpp.websockets")
_WEBSOCKETS_LOG.setLevel(logging.WARNING)

SUBPROTOCOLS = [Subprotocol("ocpp2.0.1"), Subprotocol("ocpp1.6")]
PATH_PREFIX = "/ocpp/"


def offered_subprotocols(headers: Headers) -> list[str]:
    offered: list[str] = []
    for value in headers.get_all("Sec-WebSocket-Protocol"):
        with contextlib.suppress(InvalidHeader):
            offered += parse_subprotocol(value)
    return offered


def select_subprotocol(_: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
    """The charger's first choice among the versions we speak."""
    return next((p for p in offered if p in SUBPROTOCOLS), None)


class OcppServer:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.settings = hub.settings
        self.started = asyncio.Event()
        self.guard = HandshakeGuard(hub.settings)
        # A handshake's approval state, from its credentials to its connection handler.
        self._approval: weakref.WeakKeyDictionary[ServerConnection, str] = (
            weakref.WeakKeyDictionary()
        )

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not (self.settings.ocpp_tls_cert_file and self.settings.ocpp_tls_key_file):
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.settings.ocpp_tls_cert_file, self.settings.ocpp_tls_key_file)
        if self.settings.ocpp_tls_client_ca_file:
            # Profile 3: ask for a client certificate, verify one that is sent. Optional, so
            # profile-2 chargers on the same port connect without one.
            context.load_verify_locations(cafile=self.settings.ocpp_tls_client_ca_file)
            context.verify_mode = ssl.CERT_OPTIONAL
            report_verification_failures(context, self._untrusted_certificate)
        return context

    def _untrusted_certificate(self, reason: str) -> None:
        # A failed login like a wrong password, but of no known address or charger: one event
        # per interval for all of them, its `count` carrying the attempts held back.
        self.hub.security.report(
            "tls", None, "bad_credentials", f"client certificate refused by TLS: {reason}"
        )

    async def run(self) -> None:
        settings = self.settings
        async with serve(
            self._handle,
            settings.ocpp_host,
            settings.ocpp_port,
            process_request=self._process_request,
            subprotocols=SUBPROTOCOLS,
            select_subprotocol=select_subprotocol,
            max_size=settings.ocpp_max_frame_bytes,
            compression=None,
            ssl=self._ssl_context(),
            # Chargers are many and mostly idle: a small write buffer keeps memory per
            # connection low.
            write_limit=16_384,
            max_queue=4,
            server_header=None,
            # A reconnect storm: thousands of SYNs at once must not overflow the accept queue
            # (the kernel caps this at net.core.somaxconn).
            backlog=settings.ocpp_listen_backlog,
            close_timeout=2,
            logger=_WEBSOCKETS_LOG,
        ) as server:
            self.started.set()
            log.info(
                "connectivity.ocpp.listening", host=settings.ocpp_host, port=settings.ocpp_port
            )
            try:
                await server.serve_forever()
            finally:
                await self.hub.close_all()

    # -- handshake -------------------------------------------------------------------------

    def _refuse(
        self,
        connection: ServerConnection,
        status: http.HTTPStatus,
        cp_id: str | None,
        kind: str | None,
        why: str | None = None,
    ) -> Response:
        if kind is not None:
            address = _address(connection)
            self.guard.refused(address)
            detail = f"handshake refused from {address}" + (f": {why}" if why else "")
            # One event per address and kind per interval, not one per attempt.
            self.hub.security.report(f"handshake:{address}", cp_id, kind, detail)
        response = connection.respond(status, f"{status.phrase}\n")
        if status == http.HTTPStatus.UNAUTHORIZED:
            response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
        return response

    def _too_many(self, connection: ServerConnection, retry_after: int) -> Response:
        response = connection.respond(http.HTTPStatus.TOO_MANY_REQUESTS, "Too Many Requests\n")
        response.headers["Retry-After"] = str(retry_after)
        return response

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        path = request.path.split("?", 1)[0]
        if not path.startswith(PATH_PREFIX) or "/" in path[len(PATH_PREFIX) :].strip("/"):
            return self._refuse(connection, http.HTTPStatus.NOT_FOUND, None, None)
        address = _address(connection)
        retry_after = self.guard.retry_after(address)
        if retry_after is not None:
            return self._too_many(connection, retry_after)
        cp_id = unquote(path[len(PATH_PREFIX) :].strip("/"))
        if not can_be_valid(cp_id):
            # Never a charger (NUL, too long, outside OCPP's identifier characters): refused
            # before any database work, and never part of a shared batch.
            log.debug("connectivity.handshake.invalid_id", id=printable(cp_id), address=address)
            return self._refuse(
                connection, http.HTTPStatus.NOT_FOUND, None, "invalid_charge_point_id"
            )
        if not any(p in SUBPROTOCOLS for p in offered_subprotocols(request.headers)):
            return self._refuse(connection, http.HTTPStatus.BAD_REQUEST, cp_id, None)
        if not self.guard.may_open(address):
            return self._too_many(connection, 1)
        # Only a certificate the TLS layer verified against the client CA is ever seen here.
        certified = certificate_names(connection.transport.get_extra_info("peercert"))
        authorization = request.headers.get("Authorization")
        credentials: tuple[str, str] | None = None
        if authorization is not None:
            with contextlib.suppress(InvalidHeader):
                credentials = parse_authorization_basic(authorization)
        if certified is None:
            # Refused before any database work: nothing could let this handshake in.
            if authorization is None:
                return self._refuse(
                    connection, http.HTTPStatus.UNAUTHORIZED, cp_id, "missing_credentials"
                )
            if credentials is None:
                return self._refuse(
                    connection, http.HTTPStatus.UNAUTHORIZED, cp_id, "bad_credentials"
                )
        try:
            record = await self.hub.credentials.submit(cp_id)
        except (
            OSError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            ConnectionError,
            Overloaded,
        ):
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "Unavailable\n")
        if record is None:
            return self._refuse(
                connection, http.HTTPStatus.UNAUTHORIZED, cp_id, "unknown_charge_point"
            )
        if record["security_profile"] == CERTIFICATE_PROFILE:
            # Profile 3: the certificate is the credential; a password is never accepted.
            if certified is None:
                return self._refuse(
                    connection,
                    http.HTTPStatus.UNAUTHORIZED,
                    cp_id,
                    "missing_credentials",
                    "no client certificate (security profile 3)",
                )
            if cp_id not in certified:
                return self._refuse(
                    connection,
                    http.HTTPStatus.UNAUTHORIZED,
                    cp_id,
                    "bad_credentials",
                    "client certificate names another charge point",
                )
        elif credentials is None:
            kind = "missing_credentials" if authorization is None else "bad_credentials"
            return self._refuse(connection, http.HTTPStatus.UNAUTHORIZED, cp_id, kind)
        else:
            username, password = credentials
            if username != cp_id or not verify_password(password, record["password_hash"]):
                return self._refuse(
                    connection, http.HTTPStatus.UNAUTHORIZED, cp_id, "wrong_password"
                )
        if record["approval"] == "retired":
            return self._refuse(
                connection, http.HTTPStatus.UNAUTHORIZED, cp_id, "retired_charge_point"
            )
        connection.username = cp_id
        self._approval[connection] = record["approval"]
        return None

    # -- connection ------------------------------------------------------------------------

    async def _handle(self, websocket: ServerConnection) -> None:
        cp_id = websocket.username
        approval = self._approval.pop(websocket, "pending")
        if cp_id is None or websocket.subprotocol is None:
            await websocket.close(1002, "subprotocol required")
            return
        address = _address(websocket)
        self.guard.opened(address)
        try:
            await self._serve(websocket, cp_id, websocket.subprotocol, approval)
        finally:
            self.guard.closed(address)

    async def _serve(
        self, websocket: ServerConnection, cp_id: str, subprotocol: str, approval: str
    ) -> None:
        hub = self.hub
        connection_id = uuid.uuid4().hex
        conn = CONNECTION_TYPES[subprotocol](cp_id, websocket, hub, connection_id, approval)
        await hub.connects.submit(ConnectedCharger(cp_id, conn.version, connection_id))
        previous = hub.attach(conn)
        if previous is not None:
            # A second connection with the same id replaces the first (e.g. after a NAT reset).
            log.debug("connectivity.connection.replaced", charge_point_id=cp_id)
            hub.spawn(previous.transport.close(1000, "replaced by a new connection"))
        log.debug("connectivity.connection.opened", charge_point_id=cp_id, version=conn.version)
        try:
            async for message in websocket:
                delay = conn.throttle_delay()
                if delay:
                    await asyncio.sleep(delay)
                hub.touch(cp_id)
                await conn.route_message(message)
        except ConnectionClosed:
            pass
        finally:
            # At shutdown, close_all marks every charger of this replica offline at once.
            replaced = not hub.detach(conn)
            log.debug("connectivity.connection.closed", charge_point_id=cp_id, replaced=replaced)
            if not replaced and not hub.closing:
                await asyncio.shield(hub.spawn(self._disconnected(cp_id, connection_id)))

    async def _disconnected(self, cp_id: str, connection_id: str) -> None:
        async with self.hub.transaction() as db:
            await cp_service.disconnected(db, cp_id, connection_id)


def _address(connection: ServerConnection) -> str:
    remote = connection.remote_address
    return str(remote[0]) if remote else "unknown"
