"""Signatures of outgoing webhooks: `Ladda-Signature: t=<unix seconds>,v1=<hex>`.

`v1` is HMAC-SHA256, keyed with the subscription's secret, over `"<t>.<raw body>"`. A receiver
recomputes it over the exact bytes it received, compares in constant time, and refuses a `t`
further than the tolerance from its own clock (a replayed old request). During a secret
rotation a header may carry several `v1=` values; any one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Ladda-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for `body`, signed now (or at `timestamp`)."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},v1={signature(secret, at, body)}"


def verify(
    secret: str, header: str, body: bytes, *, tolerance_s: int = 300, now: float | None = None
) -> bool:
    """What a receiver does (the README shows the same in a few lines)."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for name, value in fields if name.strip() == "t"]
    candidates = [value.strip() for name, value in fields if name.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].strip().isdigit() or not candidates:
        return False
    at = int(timestamps[0])
    if abs((time.time() if now is None else now) - at) > tolerance_s:
        return False
    expected = signature(secret, at, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
