"""Who may do what in connectivity: the role matrix, enforced by the service itself.

The gateway's role groups are a first filter only; every route here checks its caller again,
and remote commands are checked per action, over REST and over Kafka alike. The matrix is
written out in the service README ("Role matrix").

A service account (role `service`) is judged by its explicit scopes only, never by roles: it
gets no staff power, whatever else its token says.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from shared.auth.deps import CurrentPrincipal
from shared.auth.jwt import Principal
from shared.auth.scopes import AVAILABILITY_SCOPE, RESERVE_SCOPE, START_SCOPE
from shared.problems import Forbidden

SUPPORT, OPERATOR, ADMIN = "support", "operator", "admin"
STAFF = frozenset({SUPPORT, OPERATOR, ADMIN})
MANAGERS = frozenset({OPERATOR, ADMIN})

# Scopes a service account may hold for connectivity (issued by identity).
READ_CHARGE_POINTS_SCOPE = "chargepoints:read"
READ_SESSIONS_SCOPE = "sessions:read"

# Commands support may send: safe ones that change no configuration, firmware or credentials.
SUPPORT_COMMANDS = frozenset(
    {"TriggerMessage", "UnlockConnector", "RemoteStopTransaction", "RequestStopTransaction"}
)
# What each command scope lets a service account send (booking reserves, payment starts).
SCOPE_COMMANDS: dict[str, frozenset[str]] = {
    RESERVE_SCOPE: frozenset({"ReserveNow", "CancelReservation"}),
    # Operations takes a connector out of service while a work order needs it.
    AVAILABILITY_SCOPE: frozenset({"ChangeAvailability"}),
    START_SCOPE: frozenset(
        {
            "RemoteStartTransaction",
            "RequestStartTransaction",
            "RemoteStopTransaction",
            "RequestStopTransaction",
        }
    ),
}


@dataclass(frozen=True)
class Grant:
    """Who may use a route: people with one of `roles`, service accounts with one of `scopes`."""

    roles: frozenset[str]
    scopes: frozenset[str] = frozenset()

    def admits(self, principal: Principal) -> bool:
        if principal.is_service:
            return not self.scopes.isdisjoint(principal.scopes)
        return principal.has_any(self.roles)


READ_CHARGE_POINTS = Grant(STAFF, frozenset({READ_CHARGE_POINTS_SCOPE}))
MANAGE_CHARGE_POINTS = Grant(MANAGERS)
READ_FRAMES = Grant(STAFF)
# Anyone who may send at least one command; the action itself is checked by `may_send`.
SEND_COMMANDS = Grant(STAFF, frozenset(SCOPE_COMMANDS))
# Staff read every command; a service account with a command scope reads its own.
READ_COMMANDS = Grant(STAFF, frozenset(SCOPE_COMMANDS))
READ_ALL_SESSIONS = Grant(STAFF, frozenset({READ_SESSIONS_SCOPE}))
CLOSE_SESSIONS = Grant(MANAGERS)


def scopes_permit(scopes: Iterable[str], action: str) -> bool:
    """A service account's scopes allow this OCPP command (the REST and the Kafka path)."""
    return any(action in SCOPE_COMMANDS.get(scope, ()) for scope in scopes)


def may_send(principal: Principal, action: str) -> bool:
    if principal.is_service:
        return scopes_permit(principal.scopes, action)
    if principal.has_any(MANAGERS):
        return True
    return principal.has_any({SUPPORT}) and action in SUPPORT_COMMANDS


# Stopping a transaction: support and service accounts only stop one the platform knows to be
# live on that charger ("RemoteStop of a session"); operators may stop anything.
STOP_COMMANDS = frozenset({"RemoteStopTransaction", "RequestStopTransaction"})


def stops_only_live_sessions(principal: Principal) -> bool:
    return principal.is_service or not principal.has_any(MANAGERS)


def check_command(principal: Principal, action: str) -> None:
    if not may_send(principal, action):
        raise Forbidden(f"You may not send {action} to a charge point.")


def sees_all_commands(principal: Principal) -> bool:
    """False for a service account: it sees only the commands it requested itself."""
    return not principal.is_service and principal.has_any(STAFF)


def sees_all_sessions(principal: Principal) -> bool:
    """False for a driver: they see only their own sessions (others' answer 404)."""
    return READ_ALL_SESSIONS.admits(principal)


def allow(grant: Grant) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: CurrentPrincipal) -> Principal:
        if not grant.admits(principal):
            raise Forbidden("Your role or scopes do not allow this.")
        return principal

    return check


async def _session_viewer(principal: CurrentPrincipal) -> Principal:
    """Drivers (their own), staff, and service accounts with `sessions:read`."""
    if principal.is_service and not READ_ALL_SESSIONS.admits(principal):
        raise Forbidden(f"This needs the scope {READ_SESSIONS_SCOPE}.")
    return principal


ChargePointReader = Annotated[Principal, Depends(allow(READ_CHARGE_POINTS))]
ChargePointManager = Annotated[Principal, Depends(allow(MANAGE_CHARGE_POINTS))]
FrameReader = Annotated[Principal, Depends(allow(READ_FRAMES))]
CommandSender = Annotated[Principal, Depends(allow(SEND_COMMANDS))]
CommandReader = Annotated[Principal, Depends(allow(READ_COMMANDS))]
SessionViewer = Annotated[Principal, Depends(_session_viewer)]
SessionCloser = Annotated[Principal, Depends(allow(CLOSE_SESSIONS))]
