"""Compiled JSON-schema validation of OCPP payloads, over the `ocpp` library's own schema files.

The library validates with `jsonschema` in a thread pool, which dominates the cost of a call;
`fastjsonschema` compiles each schema once into Python code that is an order of magnitude faster.
Errors map to the CALLERROR codes the OCPP-J specifications name for each version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import ocpp
from ocpp.exceptions import (
    FormationViolationError,
    FormatViolationError,
    NotImplementedError,
    OccurrenceConstraintViolationError,
    OCPPError,
    PropertyConstraintViolationError,
    ProtocolError,
    TypeConstraintViolationError,
)

_SCHEMAS = Path(ocpp.__file__).parent
Validator = Callable[[Any], Any]


def schema_path(version: str, action: str, *, response: bool) -> Path:
    folder = "v16" if version == "1.6" else "v201"
    if version == "1.6":
        name = f"{action}Response" if response else action
    else:
        name = f"{action}{'Response' if response else 'Request'}"
    return _SCHEMAS / folder / "schemas" / f"{name}.json"


def _is_date_time(value: str) -> bool:
    """RFC 3339 date-time; the C parser is far cheaper than fastjsonschema's default regex."""
    if len(value) < 20 or value[10] not in "Tt":
        return False
    try:
        datetime.fromisoformat(value)  # Python 3.11 reads a trailing "Z" itself
    except ValueError:
        try:
            datetime.fromisoformat(value.replace("z", "+00:00"))
        except ValueError:
            return False
    return True


_FORMATS = {"date-time": _is_date_time}


@cache
def validator(version: str, action: str, response: bool) -> Validator | None:
    """The compiled validator of one message, or None when the version has no such message."""
    path = schema_path(version, action, response=response)
    if not path.exists():
        return None
    schema = json.loads(path.read_text(encoding="utf-8-sig"))
    compiled: Validator = fastjsonschema.compile(schema, formats=_FORMATS)
    return compiled


def has_schema(version: str, action: str) -> bool:
    return schema_path(version, action, response=False).exists()


def validate(version: str, action: str, payload: Any, *, response: bool = False) -> None:
    """Raise the OCPPError a CALLERROR reports when `payload` breaks the message's schema."""
    check = validator(version, action, response)
    if check is None:
        raise NotImplementedError(details={"cause": f"{action} is not an OCPP {version} message"})
    try:
        check(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise schema_error(version, exc) from None


def schema_error(version: str, exc: fastjsonschema.JsonSchemaValueException) -> OCPPError:
    rule = exc.rule
    where = (exc.name or "").removeprefix("data").lstrip(".") or "payload"
    details = {"cause": f"{where}: {(exc.message or '').removeprefix('data').lstrip('. ')}"}
    if rule in ("type", "maxLength", "minLength", "format", "pattern"):
        return TypeConstraintViolationError(details=details)
    if rule == "required":
        # 1.6 calls an incomplete payload a ProtocolError; 2.0.1 an occurrence violation.
        if version == "1.6":
            return ProtocolError(details=details)
        return OccurrenceConstraintViolationError(details=details)
    if rule in ("enum", "minimum", "maximum", "multipleOf", "minItems", "maxItems"):
        return PropertyConstraintViolationError(details=details)
    if version == "1.6":
        return FormationViolationError(details=details)
    return FormatViolationError(details=details)
