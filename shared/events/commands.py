"""Remote commands to chargers and their results (`connectivity.commands.v1` / `.command-results.v1`).

Any service may request a command by publishing `CommandRequested` keyed by the charge point id;
the connectivity replica holding the charger's connection executes it and publishes the result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from shared.events.envelope import EventPayload
from shared.events.topics import CONNECTIVITY_COMMAND_RESULTS, CONNECTIVITY_COMMANDS, Topic

# Answered: the charger answered (its answer is in `response`); CallError: it answered with a
# CALLERROR; Offline: no replica holds the charger; Timeout: no answer in time.
CommandOutcome = Literal["Answered", "CallError", "Offline", "Timeout", "Failed"]


class CommandRequested(EventPayload):
    event_type: ClassVar[str] = "command.requested"
    topic: ClassVar[Topic] = CONNECTIVITY_COMMANDS

    command_id: str
    charge_point_id: str
    # The OCPP action and its request payload as the spec writes it (camelCase keys).
    action: str
    payload: dict[str, Any]
    timeout_s: float = 30.0
    requested_by: str | None = None


class CommandCompleted(EventPayload):
    event_type: ClassVar[str] = "command.completed"
    topic: ClassVar[Topic] = CONNECTIVITY_COMMAND_RESULTS

    command_id: str
    charge_point_id: str
    action: str
    outcome: CommandOutcome
    response: dict[str, Any] | None = None
    error: str | None = None
    at: datetime
