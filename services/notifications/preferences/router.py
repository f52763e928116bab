"""REST of drivers' preferences: `/v1/notifications/preferences/{user_id}` (`me` for oneself)."""

from __future__ import annotations

from fastapi import APIRouter

from services.notifications.access import DriverPrincipal, PreferenceReader
from services.notifications.preferences import service
from services.notifications.preferences.schemas import Preferences, PreferencesPatch
from shared.service import DbConn

router = APIRouter(prefix="/v1/notifications/preferences", tags=["preferences (drivers)"])


@router.get("/{user_id}")
async def read(user_id: str, conn: DbConn, principal: PreferenceReader) -> Preferences:
    """A driver's own (`me`, or their id; another's: 404); support and admins: anyone's."""
    return await service.read(conn, principal, user_id)


@router.patch("/{user_id}")
async def change(
    user_id: str, body: PreferencesPatch, conn: DbConn, principal: DriverPrincipal
) -> Preferences:
    """Turn kinds on or off (receipts cannot be turned off: 422)."""
    return await service.change(conn, principal, user_id, body)
