"""Remote commands to chargers and their results (`connectivity.commands.v1` / `.command-results.v1`).

Any service may request a command by publishing `CommandRequested` keyed by the charge point id;
the connectivity replica holding the charger's connection executes it and publishes the result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from shared.events.envelope import EventPayload
from shared.events.topics import CONNECTIVITY_COMMAND_RESULTS, CONNECTIVITY_COMMANDS, Topic

# Answered: the charger answered (its answer is in `response`); CallError: it answered with a
# CALLERROR; Offline: no replica holds the charger; Timeout: no answer in time; Refused: the
# requester's scopes do not allow this action (never sent to the charger).
CommandOutcome = Literal["Answered", "CallError", "Offline", "Timeout", "Failed", "Refused"]


class CommandRequested(EventPayload):
    event_type: ClassVar[str] = "command.requested"
    topic: ClassVar[Topic] = CONNECTIVITY_COMMANDS

    command_id: str
    charge_point_id: str
    # The OCPP action and its request payload as the spec writes it (camelCase keys).
    action: str
    payload: dict[str, Any]
    timeout_s: float = 30.0
    # Who asked: the subject of the requesting user or service account, and that service
    # account's scopes. A command from another service runs only if these scopes allow its
    # action (`commands:reserve`: ReserveNow, CancelReservation; `commands:start`:
    # RemoteStart/RequestStartTransaction and RemoteStop/RequestStopTransaction).
    requested_by: str | None = None
    requested_scopes: list[str] = Field(default_factory=list)
    # Set by connectivity when the payload carried a charger secret: the event's payload has it
    # redacted, and the executing replica reads the clear payload from its own database.
    secrets_withheld: bool = False


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
