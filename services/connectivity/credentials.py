"""Charger passwords: generated high-entropy secrets stored as salted HMAC-SHA256.

Not argon2 on purpose: a charger password is a server-generated random secret (>= 24 bytes), so
a slow hash adds nothing against guessing, while 10,000 chargers reconnecting at once must each be
verified in microseconds on two cores. Operator-chosen passwords must be at least 16 characters
(OCPP security profiles 1 and 2).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

GENERATED_BYTES = 24
MIN_LENGTH = 16
MAX_LENGTH = 40  # OCPP 1.6 AuthorizationKey / 2.0.1 BasicAuthPassword limit
_SCHEME = "hmac-sha256"


def generate_password() -> str:
    # 24 random bytes → 32 url-safe characters, within OCPP's 40-character limit.
    return secrets.token_urlsafe(GENERATED_BYTES)


def hash_password(password: str) -> str:
    salt = secrets.token_hex(16)
    digest = hmac.new(salt.encode(), password.encode(), hashlib.sha256).hexdigest()
    return f"{_SCHEME}${salt}${digest}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, salt, digest = stored.split("$", 2)
    except ValueError:
        return False
    if scheme != _SCHEME:
        return False
    candidate = hmac.new(salt.encode(), password.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(candidate, digest)
