"""How one send attempt ended, when it did not succeed: the dispatcher decides what follows."""

from __future__ import annotations


class SendFailed(Exception):
    """Worth another attempt later (server down, timeout, 4xx, 5xx of a webhook)."""

    def __init__(self, reason: str, *, connection: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        # The other side could not be reached at all (so others to it will fail too).
        self.connection = connection


class SendRefused(Exception):
    """Never worth retrying (the mail server refused the recipient for good)."""


class NotToBeSent(Exception):
    """No longer to be sent: the address is gone, the link used or expired (`dropped`)."""
