"""A faster base for the `ocpp` library's ChargePoint: same `@on` routing and payload types.

The library's `route_message` validates with jsonschema in a thread, converts keys with regexes
and builds a route map per connection. Here routes are built once per class, keys are converted
through a cache, payloads are checked by compiled validators, and malformed frames get the
CALLERROR the OCPP-J specification names instead of being dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Protocol

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case
from ocpp.exceptions import (
    FormationViolationError,
    FormatViolationError,
    InternalError,
    NotImplementedError,
    NotSupportedError,
    OCPPError,
    ProtocolError,
)
from ocpp.messages import CallError, CallResult

from services.connectivity.ocpp.validation import has_schema, validate

LOGGER = logging.getLogger("ocpp")
CALL, CALLRESULT, CALLERROR = 2, 3, 4
# The unique id OCPP-J uses in a CALLERROR answering a frame whose id could not be read.
UNKNOWN_ID = "-1"

_snake_keys: dict[str, str] = {}
_camel_keys: dict[str, str] = {}


def snake_key(key: str) -> str:
    converted = _snake_keys.get(key)
    if converted is None:
        converted = next(iter(camel_to_snake_case({key: None})))
        _snake_keys[key] = converted
    return converted


def camel_key(key: str) -> str:
    converted = _camel_keys.get(key)
    if converted is None:
        converted = next(iter(snake_to_camel_case({key: None})))
        _camel_keys[key] = converted
    return converted


def to_snake(data: Any) -> Any:
    """OCPP JSON keys (camelCase) as the library's handler arguments (snake_case).

    The hot path of every CALL: scalars are copied without a call, keys come from a cache."""
    kind = type(data)
    if kind is dict:
        keys = _snake_keys
        converted: dict[str, Any] = {}
        for key, value in data.items():
            name = keys.get(key) or snake_key(key)
            inner = type(value)
            converted[name] = to_snake(value) if inner is dict or inner is list else value
        return converted
    if kind is list:
        return [to_snake(v) if type(v) is dict or type(v) is list else v for v in data]
    return data


_SCALARS = frozenset({str, int, float, bool, type(None)})
# Per dataclass type: its fields as (attribute, camelCase key); None for other types.
_wire_fields: dict[type, tuple[tuple[str, str], ...] | None] = {}


def _fields_of(kind: type, data: Any) -> tuple[tuple[str, str], ...] | None:
    if kind not in _wire_fields:
        _wire_fields[kind] = (
            tuple((f.name, camel_key(f.name)) for f in dataclasses.fields(data))
            if dataclasses.is_dataclass(data) and not isinstance(data, type)
            else None
        )
    return _wire_fields[kind]


def to_wire(data: Any) -> Any:
    """A library payload (dataclass, enums, snake_case) as OCPP JSON (camelCase, no nulls)."""
    kind = type(data)
    if kind in _SCALARS:
        return data
    if kind is dict:
        return {camel_key(k): to_wire(v) for k, v in data.items() if v is not None}
    if kind is list:
        return [to_wire(v) for v in data if v is not None]
    fields = _fields_of(kind, data)
    if fields is not None:
        return {
            key: to_wire(value)
            for name, key in fields
            if (value := getattr(data, name)) is not None
        }
    if isinstance(data, enum.Enum):
        return data.value
    return data


# json.dumps builds a new encoder on every call when separators are given; one is enough.
_ENCODER = json.JSONEncoder(separators=(",", ":"))


def dumps(frame: list[Any]) -> str:
    return _ENCODER.encode(frame)


class FrameSink(Protocol):
    """Where every frame of a connection is recorded (the raw frame log)."""

    def record(
        self,
        cp_id: str,
        direction: str,
        message_type: int | None,
        unique_id: str | None,
        action: str | None,
        text: str,
    ) -> None: ...


class Transport(Protocol):
    async def send(self, message: str) -> None: ...


Route = Callable[..., Awaitable[Any]]
# Outgoing CALLs whose answer is awaited; more can only come from a misbehaving library user.
_MAX_PENDING = 16


class FastRouting:
    """Mixin for `ocpp.v16.ChargePoint` / `ocpp.v201.ChargePoint` subclasses of the central system."""

    _ocpp_version: ClassVar[str]
    _routes: ClassVar[dict[str, Route]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        routes: dict[str, Route] = {}
        for name in dir(cls):
            action = getattr(getattr(cls, name, None), "_on_action", None)
            if action is not None:
                routes[str(getattr(action, "value", action))] = getattr(cls, name)
        cls._routes = routes

    def _init_transport(
        self,
        cp_id: str,
        transport: Transport,
        frames: FrameSink | None,
        *,
        max_answers: int = 8,
    ) -> None:
        # What the library's `call()` needs; its own __init__ would build a route map per charger.
        self.id = cp_id
        self._connection = transport
        self._response_timeout = 30
        self._call_lock = asyncio.Lock()
        # Only answers to a CALL we sent are queued (see _answer): bounded, never a backlog.
        self._response_queue: asyncio.Queue[Any] = asyncio.Queue(max_answers)
        self._unique_id_generator = uuid.uuid4
        self.logger = LOGGER
        self._frames = frames
        self._pending_actions: dict[str, str] = {}

    # -- sending ---------------------------------------------------------------------------

    async def _send_frame(self, frame: list[Any], action: str | None) -> None:
        text = dumps(frame)
        if self._frames is not None:
            self._frames.record(self.id, "out", frame[0], str(frame[1]), action, text)
        await self._connection.send(text)

    async def _send(self, message: str) -> None:
        """Used by the library's `call()`: record the outgoing CALL in the frame log."""
        if self._frames is not None:
            try:
                frame = json.loads(message)
                self._frames.record(self.id, "out", frame[0], frame[1], frame[2], message)
                if len(self._pending_actions) >= _MAX_PENDING:
                    self._pending_actions.pop(next(iter(self._pending_actions)))
                self._pending_actions[frame[1]] = frame[2]
            except (ValueError, IndexError, TypeError):
                self._frames.record(self.id, "out", None, None, None, message)
        await self._connection.send(message)

    async def send_error(self, unique_id: str, error: OCPPError) -> None:
        await self._send_frame(
            [CALLERROR, unique_id, error.code, error.description, error.details or {}], None
        )

    # -- receiving -------------------------------------------------------------------------

    def _format_error(self, cause: str) -> OCPPError:
        if self._ocpp_version == "1.6":
            return FormationViolationError(details={"cause": cause})
        return FormatViolationError(details={"cause": cause})

    def _admit(self, action: str, payload: dict[str, Any], escaped: bool) -> dict[str, Any]:
        """After schema validation: the payload a handler may use, or an OCPPError (a hook for
        the central system's edge checks; everything passes here)."""
        return payload

    async def route_message(self, raw: str | bytes) -> None:
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            self._record_in(None, None, None, raw)
            await self.send_error(UNKNOWN_ID, self._format_error("The frame is not valid JSON."))
            return
        if not isinstance(frame, list) or len(frame) < 3 or not isinstance(frame[1], str):
            self._record_in(None, None, None, raw)
            unique_id = frame[1] if isinstance(frame, list) and len(frame) > 1 else UNKNOWN_ID
            await self.send_error(
                unique_id if isinstance(unique_id, str) else UNKNOWN_ID,
                self._format_error("An OCPP frame is an array [type, id, ...]."),
            )
            return
        message_type, unique_id = frame[0], frame[1]
        if message_type == CALL:
            action = frame[2] if isinstance(frame[2], str) else None
            self._record_in(CALL, unique_id, action, raw)
            if len(frame) != 4 or action is None or not isinstance(frame[3], dict):
                await self.send_error(
                    unique_id, self._format_error("A CALL is [2, id, action, {payload}].")
                )
                return
            # Only a frame with a \u escape can hold a NUL or a lone surrogate.
            escaped = not isinstance(raw, str) or "\\u" in raw
            await self._handle(unique_id, action, frame[3], escaped)
        elif message_type == CALLRESULT and len(frame) == 3:
            action = self._pending_actions.pop(unique_id, None)
            self._record_in(CALLRESULT, unique_id, action, raw)
            self._answer(action, CallResult(unique_id, frame[2]))
        elif message_type == CALLERROR and len(frame) == 5:
            action = self._pending_actions.pop(unique_id, None)
            self._record_in(CALLERROR, unique_id, action, raw)
            self._answer(action, CallError(unique_id, frame[2], frame[3], frame[4]))
        else:
            self._record_in(None, unique_id, None, raw)
            await self._wrong_message_type(unique_id)

    def _answer(self, action: str | None, answer: CallResult | CallError) -> None:
        """Queue an answer for the call awaiting it; an unsolicited or late one is dropped
        (it is in the frame log), so a charger cannot fill memory with answers."""
        if action is None:
            return
        with contextlib.suppress(asyncio.QueueFull):
            self._response_queue.put_nowait(answer)

    async def _wrong_message_type(self, unique_id: str) -> None:
        if self._ocpp_version == "1.6":
            await self.send_error(
                unique_id, ProtocolError(details={"cause": "Unknown message type id."})
            )
        else:
            # OCPP 2.0.1 names its own code; the library has no exception class for it.
            await self._send_frame(
                [
                    CALLERROR,
                    unique_id,
                    "MessageTypeNotSupported",
                    "A message with a MessageTypeId that is not supported.",
                    {},
                ],
                None,
            )

    def _record_in(
        self, message_type: int | None, unique_id: str | None, action: str | None, raw: str | bytes
    ) -> None:
        if self._frames is not None:
            text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
            self._frames.record(self.id, "in", message_type, unique_id, action, text)

    async def _handle(
        self, unique_id: str, action: str, payload: dict[str, Any], escaped: bool = True
    ) -> None:
        route = self._routes.get(action)
        try:
            if route is None:
                if has_schema(self._ocpp_version, action):
                    raise NotSupportedError(
                        details={"cause": f"The central system does not accept {action}."}
                    )
                raise NotImplementedError(details={"cause": f"Unknown action {action}."})
            validate(self._ocpp_version, action, payload)
            payload = self._admit(action, payload, escaped)
            result = await route(self, **to_snake(payload))
            response = to_wire(result)
        except OCPPError as error:
            await self.send_error(unique_id, error)
            return
        except Exception:
            LOGGER.exception("ocpp handler failed for %s", action)
            await self.send_error(
                unique_id, InternalError(details={"cause": "The central system failed."})
            )
            return
        await self._send_frame([CALLRESULT, unique_id, response], action)

    # -- commands ----------------------------------------------------------------------------

    async def send_call(self, action: str, payload: dict[str, Any], timeout: float) -> Any:
        """Send one CALL (camelCase payload, validated already) and return the charger's answer.

        Returns the CALLRESULT payload, or raises the OCPPError of a CALLERROR, or TimeoutError.
        """
        unique_id = str(uuid.uuid4())
        async with self._call_lock:
            self._pending_actions[unique_id] = action
            try:
                await self._send_frame([CALL, unique_id, action, payload], action)
                deadline = asyncio.get_running_loop().time() + timeout
                while True:
                    left = deadline - asyncio.get_running_loop().time()
                    if left <= 0:
                        raise TimeoutError
                    response = await asyncio.wait_for(self._response_queue.get(), left)
                    if response.unique_id != unique_id:
                        continue  # a late answer to an earlier, timed-out call
                    if isinstance(response, CallError):
                        raise response.to_exception()
                    return response.payload
            finally:
                # Answered, timed out or failed: nothing waits for this id any more.
                self._pending_actions.pop(unique_id, None)
