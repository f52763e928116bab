"""Typed wrappers around the `ocpp` library's untyped decorators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from ocpp.routing import on as _on

F = TypeVar("F", bound=Callable[..., Any])


def on(action: Any) -> Callable[[F], F]:
    """`ocpp.routing.on`, typed: registers a handler for a CSMS-initiated action."""
    return cast(Callable[[F], F], _on(action))
