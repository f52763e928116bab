"""The kinds of notifications: who receives each, and which ones a driver cannot turn off."""

from __future__ import annotations

from typing import Literal

DriverKind = Literal[
    "receipt",
    "payment-failed",
    "booking-confirmed",
    "booking-reminder",
    "booking-cancelled",
    "support-reply",
    "subscription-renewed",
    "subscription-past-due",
]
AccountKind = Literal["email-verification", "password-reset", "password-changed", "new-sign-in"]
OperatorKind = Literal[
    "alert-opened",
    "alert-resolved",
    "inspection-due",
    "inspection-overdue",
    "work-order-assigned",
]
Severity = Literal["low", "medium", "high"]
Channel = Literal["email", "webhook"]

DRIVER_KINDS: tuple[str, ...] = DriverKind.__args__  # type: ignore[attr-defined]
ACCOUNT_KINDS: tuple[str, ...] = AccountKind.__args__  # type: ignore[attr-defined]
OPERATOR_KINDS: tuple[str, ...] = OperatorKind.__args__  # type: ignore[attr-defined]
# Sent to the owner of a webhook subscription that was disabled after repeated failures.
WEBHOOK_DISABLED = "webhook-disabled"

# Kinds a driver cannot turn off: the receipt is part of the purchase, account mails protect
# the account.
ALWAYS_ON: frozenset[str] = frozenset({"receipt", *ACCOUNT_KINDS})

ALL_KINDS: tuple[str, ...] = (*DRIVER_KINDS, *ACCOUNT_KINDS, *OPERATOR_KINDS, WEBHOOK_DISABLED)

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
