"""A small central system on the `ocpp` library's server side, for simulator unit tests.

It checks HTTP Basic credentials and the subprotocol, answers every charger-initiated message
the simulator sends, records them, and lets a test send commands to a connected charger.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from ocpp.v16 import ChargePoint as CentralSystem16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as CentralSystem201
from ocpp.v201 import call_result as result201
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from shared.clock import ocpp_time
from shared.ocpp import on


@dataclass
class Recorded:
    charger_id: str
    action: str
    payload: dict[str, Any]


@dataclass
class FakeCsms:
    passwords: dict[str, str]
    heartbeat_interval: int = 1
    boot_status: str = "Accepted"
    rejected_tags: set[str] = field(default_factory=set)
    # Actions answered with a CALLERROR (InternalError), as a failing central system would.
    failing_actions: set[str] = field(default_factory=set)
    messages: list[Recorded] = field(default_factory=list)
    connected: dict[str, Any] = field(default_factory=dict)
    connections: dict[str, ServerConnection] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    _transaction_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def record(self, charger_id: str, action: str, **payload: Any) -> None:
        self.messages.append(Recorded(charger_id, action, payload))
        if action in self.failing_actions:
            raise RuntimeError(f"{action} fails on purpose")

    def of(self, charger_id: str, action: str) -> list[dict[str, Any]]:
        return [
            m.payload for m in self.messages if m.charger_id == charger_id and m.action == action
        ]

    async def wait_for(
        self, charger_id: str, action: str, count: int = 1, timeout: float = 20, **match: Any
    ) -> list[dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [
                p
                for p in self.of(charger_id, action)
                if all(p.get(k) == v for k, v in match.items())
            ]
            if len(found) >= count:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"{charger_id}: {count} x {action} {match} not seen; got {found}"
                )
            await asyncio.sleep(0.05)

    def next_transaction_id(self) -> int:
        return next(self._transaction_ids)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        charger_id = request.path.rsplit("/", 1)[-1]
        header = request.headers.get("Authorization", "")
        expected = self.passwords.get(charger_id)
        if expected is None or not header.startswith("Basic "):
            self.refused.append(charger_id)
            return connection.respond(HTTPStatus.UNAUTHORIZED, "")
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        if user != charger_id or password != expected:
            self.refused.append(charger_id)
            return connection.respond(HTTPStatus.UNAUTHORIZED, "")
        return None

    async def _handler(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        charger_id = connection.request.path.rsplit("/", 1)[-1]
        central: Any
        if connection.subprotocol == "ocpp1.6":
            central = Central16(charger_id, connection, self)
        elif connection.subprotocol == "ocpp2.0.1":
            central = Central201(charger_id, connection, self)
        else:
            await connection.close()
            return
        self.connected[charger_id] = central
        self.connections[charger_id] = connection
        with contextlib.suppress(Exception):
            await central.start()
        if self.connected.get(charger_id) is central:
            del self.connected[charger_id]

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        async with serve(
            self._handler,
            "127.0.0.1",
            0,
            subprotocols=["ocpp1.6", "ocpp2.0.1"],  # type: ignore[list-item]
            process_request=self._process_request,
        ) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            yield f"ws://127.0.0.1:{port}/ocpp"


class Central16(CentralSystem16):  # type: ignore[misc]
    def __init__(self, charger_id: str, connection: ServerConnection, csms: FakeCsms) -> None:
        super().__init__(charger_id, connection, response_timeout=10)
        self.csms = csms

    @on("BootNotification")
    def boot(self, **payload: Any) -> Any:
        self.csms.record(self.id, "BootNotification", **payload)
        return result16.BootNotification(
            current_time=ocpp_time(),
            interval=self.csms.heartbeat_interval,
            status=self.csms.boot_status,
        )

    @on("Heartbeat")
    def heartbeat(self, **payload: Any) -> Any:
        self.csms.record(self.id, "Heartbeat", **payload)
        return result16.Heartbeat(current_time=ocpp_time())

    @on("StatusNotification")
    def status(self, **payload: Any) -> Any:
        self.csms.record(self.id, "StatusNotification", **payload)
        return result16.StatusNotification()

    @on("Authorize")
    def authorize(self, **payload: Any) -> Any:
        self.csms.record(self.id, "Authorize", **payload)
        accepted = payload["id_tag"] not in self.csms.rejected_tags
        return result16.Authorize(id_tag_info={"status": "Accepted" if accepted else "Invalid"})

    @on("StartTransaction")
    def start_transaction(self, **payload: Any) -> Any:
        self.csms.record(self.id, "StartTransaction", **payload)
        return result16.StartTransaction(
            transaction_id=self.csms.next_transaction_id(), id_tag_info={"status": "Accepted"}
        )

    @on("MeterValues")
    def meter_values(self, **payload: Any) -> Any:
        self.csms.record(self.id, "MeterValues", **payload)
        return result16.MeterValues()

    @on("StopTransaction")
    def stop_transaction(self, **payload: Any) -> Any:
        self.csms.record(self.id, "StopTransaction", **payload)
        return result16.StopTransaction()

    @on("FirmwareStatusNotification")
    def firmware_status(self, **payload: Any) -> Any:
        self.csms.record(self.id, "FirmwareStatusNotification", **payload)
        return result16.FirmwareStatusNotification()

    @on("DiagnosticsStatusNotification")
    def diagnostics_status(self, **payload: Any) -> Any:
        self.csms.record(self.id, "DiagnosticsStatusNotification", **payload)
        return result16.DiagnosticsStatusNotification()

    @on("SecurityEventNotification")
    def security_event(self, **payload: Any) -> Any:
        self.csms.record(self.id, "SecurityEventNotification", **payload)
        return result16.SecurityEventNotification()


class Central201(CentralSystem201):  # type: ignore[misc]
    def __init__(self, charger_id: str, connection: ServerConnection, csms: FakeCsms) -> None:
        super().__init__(charger_id, connection, response_timeout=10)
        self.csms = csms

    @on("BootNotification")
    def boot(self, **payload: Any) -> Any:
        self.csms.record(self.id, "BootNotification", **payload)
        return result201.BootNotification(
            current_time=ocpp_time(),
            interval=self.csms.heartbeat_interval,
            status=self.csms.boot_status,
        )

    @on("Heartbeat")
    def heartbeat(self, **payload: Any) -> Any:
        self.csms.record(self.id, "Heartbeat", **payload)
        return result201.Heartbeat(current_time=ocpp_time())

    @on("StatusNotification")
    def status(self, **payload: Any) -> Any:
        self.csms.record(self.id, "StatusNotification", **payload)
        return result201.StatusNotification()

    @on("Authorize")
    def authorize(self, **payload: Any) -> Any:
        self.csms.record(self.id, "Authorize", **payload)
        accepted = payload["id_token"]["id_token"] not in self.csms.rejected_tags
        return result201.Authorize(id_token_info={"status": "Accepted" if accepted else "Invalid"})

    @on("TransactionEvent")
    def transaction_event(self, **payload: Any) -> Any:
        self.csms.record(self.id, "TransactionEvent", **payload)
        if payload["event_type"] == "Started":
            return result201.TransactionEvent(id_token_info={"status": "Accepted"})
        return result201.TransactionEvent()

    @on("MeterValues")
    def meter_values(self, **payload: Any) -> Any:
        self.csms.record(self.id, "MeterValues", **payload)
        return result201.MeterValues()

    @on("NotifyReport")
    def notify_report(self, **payload: Any) -> Any:
        self.csms.record(self.id, "NotifyReport", **payload)
        return result201.NotifyReport()

    @on("FirmwareStatusNotification")
    def firmware_status(self, **payload: Any) -> Any:
        self.csms.record(self.id, "FirmwareStatusNotification", **payload)
        return result201.FirmwareStatusNotification()

    @on("SecurityEventNotification")
    def security_event(self, **payload: Any) -> Any:
        self.csms.record(self.id, "SecurityEventNotification", **payload)
        return result201.SecurityEventNotification()
