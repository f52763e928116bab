"""What the platform can store, checked on every value a charger sends before it is used.

The JSON schemas let through values PostgreSQL or the code cannot take: a NUL character or a
lone surrogate in a string (`\\u0000`, `\\ud800`), NaN / Infinity (Python's JSON reader accepts
them) or a number beyond int64, a connector id beyond int32, a date in year 9999 with a
negative offset. One such value in a shared write batch would fail every charger's rows, so it
is stopped here, per message:

- most messages get a CALLERROR: TypeConstraintViolation (a string that is no valid text),
  PropertyConstraintViolation (a number or date out of range), Occurrence(Occ)urenceConstraint-
  Violation (a list longer than `ocpp_max_list_items`);
- messages OCPP requires the central system to answer (1.6 StartTransaction / StopTransaction,
  2.0.1 TransactionEvent Ended) are answered, with the bad fields dropped (`drop_unstorable`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import ocpp
from ocpp.exceptions import (
    OccurenceConstraintViolationError,
    OccurrenceConstraintViolationError,
    OCPPError,
    PropertyConstraintViolationError,
    TypeConstraintViolationError,
)

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Identifiers stored in int columns (connector, EVSE, reservation, 1.6 transaction ids...).
INT32_KEYS = frozenset(
    {"connectorId", "evseId", "id", "reservationId", "transactionId", "seqNo", "requestId"}
)
# Dates a charger may report: from the Unix epoch (chargers without a clock send it) to 2099.
YEARS = _FIRST_YEAR, _END_YEAR = ("1970", "2100")

Kind = Literal["type", "property", "occurrence"]


@dataclass(frozen=True, slots=True)
class Unstorable:
    path: str
    kind: Kind
    reason: str

    def error(self, version: str) -> OCPPError:
        details = {"cause": f"{self.path}: {self.reason}"}
        if self.kind == "type":
            return TypeConstraintViolationError(details=details)
        if self.kind == "property":
            return PropertyConstraintViolationError(details=details)
        if version == "1.6":  # OCPP-J 1.6 spells it with one "r"
            return OccurenceConstraintViolationError(details=details)
        return OccurrenceConstraintViolationError(details=details)


@cache
def date_time_keys() -> frozenset[str]:
    """Every property the OCPP schemas declare as a date-time, in either version."""
    keys: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for name, value in (node.get("properties") or {}).items():
                if isinstance(value, dict) and value.get("format") == "date-time":
                    keys.add(name)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    root = Path(ocpp.__file__).parent
    for folder in ("v16", "v201"):
        for path in (root / folder / "schemas").glob("*.json"):
            collect(json.loads(path.read_text(encoding="utf-8-sig")))
    return frozenset(keys)


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return False


def _scalar(key: str, value: Any, escaped: bool) -> tuple[Kind, str] | None:
    """Why one value cannot be stored, or None. `escaped`: the frame had `\\u` escapes."""
    kind = type(value)
    if kind is str:
        if escaped and _bad_text(value):
            return "type", "a string with a NUL or an invalid character"
        if key in _DATE_KEYS and not (YEARS[0] <= value[:4] < YEARS[1]):
            return "property", "a date outside 1970-2099"
    elif kind is int:
        if key in INT32_KEYS:
            if not INT32_MIN <= value <= INT32_MAX:
                return "property", "beyond a 32-bit integer"
        elif not INT64_MIN <= value <= INT64_MAX:
            return "property", "beyond a 64-bit integer"
    elif kind is float:
        if not math.isfinite(value):
            return "property", "not a finite number"
        if not INT64_MIN <= value <= INT64_MAX:
            return "property", "beyond a 64-bit number"
    return None


_DATE_KEYS = date_time_keys()


def _printable(path: str) -> str:
    """A payload path fit for a CALLERROR or an event: escaped, bounded."""
    return path.lstrip(".").encode("ascii", "backslashreplace").decode()[:200]


def _storable(node: Any, key: str, escaped: bool, max_items: int) -> bool:
    """The hot path (every CALL): no paths, no allocations; `_scalar` explains a failure."""
    kind = type(node)
    if kind is dict:
        for name, value in node.items():
            if type(value) is str:
                if (escaped or name in _DATE_KEYS) and not _storable(
                    value, name, escaped, max_items
                ):
                    return False
            elif not _storable(value, name, escaped, max_items):
                return False
        return True
    if kind is list:
        if len(node) > max_items:
            return False
        for value in node:  # noqa: SIM110 - a loop is faster than all() on the hot path
            if not _storable(value, key, escaped, max_items):
                return False
        return True
    if kind is str:
        if escaped and ("\x00" in node or (not node.isascii() and _bad_text(node))):
            return False
        return key not in _DATE_KEYS or _FIRST_YEAR <= node[:4] < _END_YEAR
    if kind is int:
        number: int = node
        if key in INT32_KEYS:
            return INT32_MIN <= number <= INT32_MAX
        return INT64_MIN <= number <= INT64_MAX
    if kind is float:
        return math.isfinite(node) and INT64_MIN <= node <= INT64_MAX
    return True


def first_unstorable(node: Any, *, escaped: bool, max_items: int) -> Unstorable | None:
    """The first value of a payload the platform cannot store, or None (the common case)."""
    if _storable(node, "", escaped, max_items):
        return None
    dropped: list[Unstorable] = []
    drop_unstorable(node, escaped=escaped, max_items=max_items, dropped=dropped)
    return dropped[0] if dropped else None


def drop_unstorable(
    node: Any, *, escaped: bool, max_items: int, dropped: list[Unstorable], path: str = ""
) -> Any:
    """A copy of the payload without the values the platform cannot store (listed in
    `dropped`); a list beyond `max_items` is cut to its first `max_items`."""
    if isinstance(node, dict):
        kept: dict[str, Any] = {}
        for name, value in node.items():
            where = f"{path}.{name}"
            if isinstance(value, dict | list):
                kept[name] = drop_unstorable(
                    value, escaped=escaped, max_items=max_items, dropped=dropped, path=where
                )
                continue
            problem = _scalar(name, value, escaped)
            if problem is None:
                kept[name] = value
            else:
                dropped.append(Unstorable(_printable(where), *problem))
        return kept
    if isinstance(node, list):
        if len(node) > max_items:
            dropped.append(Unstorable(_printable(path), "occurrence", f"more than {max_items}"))
            node = node[:max_items]
        items = []
        for index, value in enumerate(node):
            where = f"{path}[{index}]"
            if isinstance(value, dict | list):
                items.append(
                    drop_unstorable(
                        value, escaped=escaped, max_items=max_items, dropped=dropped, path=where
                    )
                )
            elif (problem := _scalar("", value, escaped)) is None:
                items.append(value)
            else:
                dropped.append(Unstorable(_printable(where), *problem))
        return items
    return node
