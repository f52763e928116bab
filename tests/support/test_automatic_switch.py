"""The switch and the stop reasons of automatic tickets, on the service layer alone: with the
setting off, or a normal stop, or an unknown driver, nothing touches the database."""

from __future__ import annotations

from typing import Any, cast

import pytest

from services.support import automatic
from services.support.settings import Settings
from services.support.tickets.service import Tickets
from shared.db import Connection
from tests.support.seed import session_stopped

NO_DATABASE = cast(Connection, object())  # any use of it would raise


@pytest.mark.parametrize(
    ("enabled", "overrides"),
    [
        (False, {"stop_reason": "EmergencyStop"}),
        (True, {"stop_reason": "EVDisconnected"}),
        (True, {"stop_reason": None}),
        (True, {"stop_reason": "EmergencyStop", "user_id": None}),
    ],
)
async def test_no_ticket(enabled: bool, overrides: dict[str, Any]) -> None:
    overrides = dict(overrides)
    tickets = Tickets(Settings(automatic_tickets=enabled))
    event = session_stopped(overrides.pop("user_id", "driver-1"), **overrides)
    assert await automatic.session_stopped(NO_DATABASE, tickets, event, event.stopped_at) is False


def test_automatic_tickets_are_off_by_default() -> None:
    assert Settings().automatic_tickets is False
