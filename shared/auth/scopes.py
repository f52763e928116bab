"""The scopes a service account may hold: its explicit permissions, never blanket staff power.

Identity refuses to create a client with a scope not listed here; a service checks the ones
its routes need with `shared.auth.deps.require_scope`. Tokens carry them in the RFC 9068
`scope` claim (space-separated).
"""

from __future__ import annotations

KNOWN_SCOPES: dict[str, str] = {
    "chargepoints:read": "read charge points, their connectors and status",
    "sessions:read": "read charging sessions",
    "commands:reserve": "send ReserveNow / CancelReservation to a charger",
    "commands:start": "start and stop charging remotely (RemoteStart/Stop, RequestStart/Stop)",
    "commands:availability": "set a connector or charger Operative / Inoperative (ChangeAvailability)",
    "id-tokens:read": "read id-tokens and look up the authorisation decision for a UID",
    "users:read": "read user accounts (no credentials)",
    "account-mails:issue": "fetch an account mail's recipient and link, to send it (notifications)",
    "invoices:read": "read any invoice and its receipt PDF (notifications attaches receipts)",
}

# The command scopes other services put on the commands they publish (`requested_scopes`).
RESERVE_SCOPE = "commands:reserve"
START_SCOPE = "commands:start"
AVAILABILITY_SCOPE = "commands:availability"
ACCOUNT_MAILS_SCOPE = "account-mails:issue"
INVOICES_READ_SCOPE = "invoices:read"
