"""Password hashing (Argon2id via argon2-cffi) and the password policy.

Hashing is CPU- and memory-heavy on purpose, so it runs in a worker thread and never stalls
the event loop, and at most `max_concurrent` hashes run at once (a burst of logins queues here,
not in the thread pool, and callers hold no database connection while they wait). Unknown emails are checked against a dummy hash so that they cost the same
time as a wrong password.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from shared.problems import Invalid

T = TypeVar("T")

MIN_LENGTH = 10
MAX_LENGTH = 256
# A few passwords every credential-stuffing list starts with; length alone lets them through.
_COMMON = frozenset(
    {
        "password123",
        "password1234",
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "iloveyou123",
        "administrator",
        "letmein1234",
    }
)


def check_policy(password: str, *, email: str) -> None:
    """Raise `Invalid` when a new password is too weak (NIST 800-63B style: length, no lists)."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"The password must have at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise Invalid(f"The password must have at most {MAX_LENGTH} characters.")
    if password.lower() in _COMMON or password.lower() == email.lower():
        raise Invalid("This password is too easy to guess; choose another.")
    if len(set(password)) < 4:
        raise Invalid("This password is too easy to guess; choose another.")


class Passwords:
    def __init__(
        self, *, time_cost: int, memory_kib: int, parallelism: int, max_concurrent: int = 2
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        self._slots = asyncio.Semaphore(max_concurrent)
        self.max_concurrent = max_concurrent
        self.running = 0  # hashes in progress now (for tests and metrics)
        self.peak = 0

    async def _run(self, work: Callable[[], T]) -> T:
        async with self._slots:
            self.running += 1
            self.peak = max(self.peak, self.running)
            try:
                return await asyncio.to_thread(work)
            finally:
                self.running -= 1

    async def hash(self, password: str) -> str:
        return await self._run(lambda: self._hasher.hash(password))

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when the password matches; with no hash (unknown user) it still costs the same."""
        target = stored_hash or self._dummy
        try:
            ok = await self._run(lambda: self._hasher.verify(target, password))
        except (VerificationError, InvalidHashError):
            return False
        return bool(ok) and stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
