"""Events of the identity service (users and id-tokens)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from shared.events.envelope import EventPayload
from shared.events.topics import (
    IDENTITY_ACCOUNT_MAIL,
    IDENTITY_CONTACTS,
    IDENTITY_ID_TOKENS,
    IDENTITY_USERS,
    Topic,
)

# OCPP's AuthorizationStatus values (1.6 IdTagInfo.status / 2.0.1 IdTokenInfo.status).
Decision = Literal["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"]
# hold: a one-time token of a pre-authorised payment (pay as you go, guests), see payment's README.
IdTokenKind = Literal["rfid", "app", "hold"]


class UserRegistered(EventPayload):
    event_type: ClassVar[str] = "user.registered"
    topic: ClassVar[Topic] = IDENTITY_USERS

    user_id: str
    roles: list[str]


class UserDisabled(EventPayload):
    event_type: ClassVar[str] = "user.disabled"
    topic: ClassVar[Topic] = IDENTITY_USERS

    user_id: str


class UserEnabled(EventPayload):
    event_type: ClassVar[str] = "user.enabled"
    topic: ClassVar[Topic] = IDENTITY_USERS

    user_id: str


class UserDeleted(EventPayload):
    """The account is gone and its personal data anonymised; services drop what they hold."""

    event_type: ClassVar[str] = "user.deleted"
    topic: ClassVar[Topic] = IDENTITY_USERS

    user_id: str


class IdTokenDecisionChanged(EventPayload):
    """The current authorisation decision for one token, keyed by its UID (compacted topic).

    Connectivity keeps the latest per UID and answers Authorize from it while identity is down.
    `decision` is what a charger is told; ConcurrentTx is decided by connectivity itself.
    """

    event_type: ClassVar[str] = "id-token.decision-changed"
    topic: ClassVar[Topic] = IDENTITY_ID_TOKENS

    uid: str
    kind: IdTokenKind
    user_id: str | None
    decision: Decision
    expires_at: datetime | None = None
    reason: str | None = None
    # Restrictions of a hold token (kind "hold"): accepted only at this charger and connector,
    # and only for one transaction. Chargers and connectivity treat others as unrestricted.
    charge_point_id: str | None = None
    connector_id: int | None = None
    single_use: bool = False


class UserRolesChanged(EventPayload):
    """An admin changed a user's roles; tokens issued from now on carry the new ones."""

    event_type: ClassVar[str] = "user.roles-changed"
    topic: ClassVar[Topic] = IDENTITY_USERS

    user_id: str
    roles: list[str]


class AccessRevoked(EventPayload):
    """Access tokens of `subject` issued before `not_before` must no longer be accepted.

    Published (keyed by subject) when a user's roles change, a user is disabled or deleted,
    a password is changed, or a service account is disabled. Every service and the gateway
    follow it (`shared.auth.revocations`), so a demoted operator loses power within about a
    second rather than when the token expires.
    """

    event_type: ClassVar[str] = "access.revoked"
    topic: ClassVar[Topic] = IDENTITY_USERS

    subject: str
    not_before: datetime
    reason: str


Locale = Literal["en", "sv"]
AccountMailKind = Literal["email-verification", "password-reset", "password-changed", "new-sign-in"]


class ContactChanged(EventPayload):
    """A user's current contact details, keyed by user id on a compacted topic.

    The only event that carries personal data. When the account is deleted, identity publishes a
    tombstone (a null value) under the same key: consumers drop their copy
    (`EventConsumer(tombstones=...)`), and compaction removes the address from the topic.
    """

    event_type: ClassVar[str] = "user.contact-changed"
    topic: ClassVar[Topic] = IDENTITY_CONTACTS

    user_id: str
    email: str
    display_name: str | None
    locale: Locale
    email_verified: bool
    roles: list[str]
    disabled: bool = False


class AccountMailRequested(EventPayload):
    """Identity asks for an account mail to be sent. Ids only: neither the address nor a link's
    token travels through Kafka. Notifications fetches both when it sends, from identity's
    `POST /v1/account-mails/{mail_id}/issue` (service account with scope `account-mails:issue`),
    which answers the recipient and, for verification and reset, a freshly issued single-use
    link (asking again replaces the earlier link)."""

    event_type: ClassVar[str] = "account-mail.requested"
    topic: ClassVar[Topic] = IDENTITY_ACCOUNT_MAIL

    mail_id: str
    user_id: str
    kind: AccountMailKind
