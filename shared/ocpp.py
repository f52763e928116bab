"""Typed access to the `ocpp` library's untyped routing decorator, for every OCPP endpoint here.

The central system (connectivity), the charger simulator and the test chargers all register
handlers with `@on(Action)`; the library's decorator is untyped, so mypy would lose each
handler's signature without this wrapper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from ocpp.routing import on as _library_on

Handler = TypeVar("Handler", bound=Callable[..., Any])


def on(action: Any) -> Callable[[Handler], Handler]:
    """`ocpp.routing.on(action)` with a type mypy can see through."""
    return cast(Callable[[Handler], Handler], _library_on(action))
