"""Bodies of /v1/notifications/preferences."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.notifications.kinds import DriverKind


class Preferences(BaseModel):
    user_id: str
    # Every kind a driver receives, and whether they receive it.
    kinds: dict[DriverKind, bool]
    # Kinds that cannot be turned off (the receipt; account mails are always sent too).
    always_on: list[str]


class PreferencesPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: dict[DriverKind, bool]
