"""Request and response bodies of the account-mail endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.identity import AccountMailKind, Locale


class EmailVerification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=512)


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320)


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=512)
    new_password: str = Field(min_length=1, max_length=1024)


class Accepted(BaseModel):
    """The same answer whatever happens next (e.g. whether the address has an account)."""

    status: Literal["accepted"] = "accepted"


class IssuedMail(BaseModel):
    """What notifications needs to send one account mail: the recipient and, for verification
    and reset, a freshly issued single-use link (issuing again replaces the earlier link)."""

    mail_id: uuid.UUID
    kind: AccountMailKind
    to: str
    display_name: str | None
    locale: Locale
    link: str | None
    link_expires_at: datetime | None
    detail: dict[str, Any]
