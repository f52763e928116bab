"""The service's clock, injected into the app so tests can move time (SLA breaches)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from shared.clock import utc_now


class Clock:
    """Wall-clock time; tests pass a subclass they can move."""

    def now(self) -> datetime:
        return utc_now()


def current_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


CurrentClock = Annotated[Clock, Depends(current_clock)]
