"""Bodies of /v1/id-tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events.identity import Decision

# OCPP 1.6 idTag is CiString20; RFID UIDs arrive as hex (4, 7 or 10 bytes) but stay opaque here.
UID_PATTERN = r"^[A-Za-z0-9._:-]{4,20}$"


class NewIdToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["rfid", "app"]
    uid: str | None = Field(None, pattern=UID_PATTERN, description="The card's UID (rfid only)")
    label: str | None = Field(None, max_length=100)
    user_id: uuid.UUID | None = Field(None, description="Staff only: issue for this user")
    expires_at: AwareDatetime | None = Field(None, description="Staff only")


class IdTokenUpdate(BaseModel):
    """Fields left out stay as they are; `expires_at: null` removes the expiry (staff only)."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(None, max_length=100)
    expires_at: AwareDatetime | None = None


class BlockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=500)


class IdToken(BaseModel):
    id: uuid.UUID
    uid: str
    kind: Literal["rfid", "app"]
    user_id: uuid.UUID
    label: str | None
    status: Literal["active", "blocked"]
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    decision: Decision
    decision_reason: str | None

    @classmethod
    def from_row(cls, row: Any, decision: Decision, reason: str | None) -> IdToken:
        return cls(
            id=row["id"],
            uid=row["uid"],
            kind=row["kind"],
            user_id=row["user_id"],
            label=row["label"],
            status=row["status"],
            expires_at=row["expires_at"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            decision=decision,
            decision_reason=reason,
        )


class IdTokenPage(BaseModel):
    items: list[IdToken]
    limit: int
    offset: int


class DecisionAnswer(BaseModel):
    uid: str
    decision: Decision
    reason: str | None
