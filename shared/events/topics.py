"""The Kafka topics of the platform: names, partitioning and retention are part of the contract."""

from __future__ import annotations

from dataclasses import dataclass

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int = 6
    compacted: bool = False
    retention_ms: int = 30 * DAY_MS

    def config(self) -> dict[str, str]:
        if self.compacted:
            return {"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"}
        return {"cleanup.policy": "delete", "retention.ms": str(self.retention_ms)}


CHARGING_SESSIONS = Topic("charging.sessions.v1")
CHARGEPOINTS_STATUS = Topic("chargepoints.status.v1")
# Latest registry entry (model, connectors, location, approval) per charge point, keyed by id.
CHARGEPOINTS_REGISTRY = Topic("chargepoints.registry.v1", compacted=True)
IDENTITY_USERS = Topic("identity.users.v1", retention_ms=365 * DAY_MS)
# Each user's contact details (e-mail, name, locale), keyed by user id; a tombstone (null value)
# when the account is deleted, so no address outlives it once the topic is compacted.
IDENTITY_CONTACTS = Topic("identity.contacts.v1", compacted=True)
# Account mails identity asks notifications to send (verification, reset, notices): ids only.
IDENTITY_ACCOUNT_MAIL = Topic("identity.account-mail.v1", retention_ms=7 * DAY_MS)
# Current authorisation decision per id-token, keyed by token UID.
IDENTITY_ID_TOKENS = Topic("identity.id-tokens.v1", compacted=True)
BOOKING_RESERVATIONS = Topic("booking.reservations.v1")
PAYMENT_INVOICES = Topic("payment.invoices.v1", retention_ms=365 * DAY_MS)
# Current payment standing per user (payment method, subscription, overdue), keyed by user id.
PAYMENT_ACCOUNTS = Topic("payment.accounts.v1", compacted=True)
# Pre-authorised holds (pay as you go, guests), keyed by hold id: identity turns them into
# one-time id-token decisions.
PAYMENT_HOLDS = Topic("payment.holds.v1")
OPERATIONS_ALERTS = Topic("operations.alerts.v1")
SUPPORT_TICKETS = Topic("support.tickets.v1")
CONNECTIVITY_COMMANDS = Topic("connectivity.commands.v1", retention_ms=DAY_MS)
CONNECTIVITY_COMMAND_RESULTS = Topic("connectivity.command-results.v1", retention_ms=DAY_MS)

ALL_TOPICS: tuple[Topic, ...] = (
    CHARGING_SESSIONS,
    CHARGEPOINTS_STATUS,
    CHARGEPOINTS_REGISTRY,
    IDENTITY_USERS,
    IDENTITY_CONTACTS,
    IDENTITY_ACCOUNT_MAIL,
    IDENTITY_ID_TOKENS,
    BOOKING_RESERVATIONS,
    PAYMENT_INVOICES,
    PAYMENT_ACCOUNTS,
    PAYMENT_HOLDS,
    OPERATIONS_ALERTS,
    SUPPORT_TICKETS,
    CONNECTIVITY_COMMANDS,
    CONNECTIVITY_COMMAND_RESULTS,
)
