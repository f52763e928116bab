"""Drivers' preferences: on or off per kind; receipts and account mails always on."""

from __future__ import annotations

from services.notifications.access import sees_everyone
from services.notifications.kinds import ALWAYS_ON, DRIVER_KINDS
from services.notifications.preferences import repository
from services.notifications.preferences.schemas import Preferences, PreferencesPatch
from shared.auth.jwt import Principal
from shared.db import Connection
from shared.problems import Forbidden, Invalid, NotFound


def _owner(principal: Principal, user_id: str) -> str:
    """`me` is the caller; a driver asking for someone else's preferences gets 404."""
    if user_id == "me":
        if not principal.has_any(("driver",)):
            raise NotFound("Only drivers have notification preferences.")
        return principal.subject
    if user_id == principal.subject or sees_everyone(principal):
        return user_id
    raise NotFound("No such preferences.")


async def read(conn: Connection, principal: Principal, user_id: str) -> Preferences:
    owner = _owner(principal, user_id)
    chosen = await repository.choices(conn, owner)
    kinds = {kind: kind in ALWAYS_ON or chosen.get(kind, True) for kind in DRIVER_KINDS}
    return Preferences.model_validate(
        {"user_id": owner, "kinds": kinds, "always_on": sorted(ALWAYS_ON)}
    )


async def change(
    conn: Connection, principal: Principal, user_id: str, patch: PreferencesPatch
) -> Preferences:
    owner = _owner(principal, user_id)
    if owner != principal.subject:
        raise Forbidden("Only the driver changes their own preferences.")
    refused = sorted(kind for kind, on in patch.kinds.items() if kind in ALWAYS_ON and not on)
    if refused:
        raise Invalid("These notifications cannot be turned off: " + ", ".join(refused) + ".")
    await repository.save(conn, owner, {str(k): on for k, on in patch.kinds.items()})
    return await read(conn, principal, owner)
