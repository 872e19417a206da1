"""Sign-in throttling: too many failed sign-ins for one user from one address wait a while.

Five failures within fifteen minutes lock that (user, address) pair for the rest of the
window (the usual guidance for online guessing: limit failed attempts per account; an
attacker spraying many accounts from one address meets the same limit per account). The
failures are kept in the database (``services.sessions.SignInFailures``), so a restart or a
second server process does not reset them; ``MemoryFailures`` keeps them in a dictionary for
tests of the rule alone. A success clears the pair.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class FailureStore(Protocol):
    def now(self) -> datetime: ...

    def since(self, user: str, address: str, start: datetime) -> list[datetime]: ...

    def add(self, user: str, address: str, at: datetime, *, forget_before: datetime) -> None: ...

    def clear(self, user: str, address: str) -> None: ...


class MemoryFailures:
    """Failures in the process (tests of the rule; the server keeps them in the database)."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._failures: dict[tuple[str, str], list[datetime]] = {}
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._clock()

    @staticmethod
    def _key(user: str, address: str) -> tuple[str, str]:
        return user.strip().lower(), address

    def since(self, user: str, address: str, start: datetime) -> list[datetime]:
        with self._lock:
            return [t for t in self._failures.get(self._key(user, address), []) if t > start]

    def add(self, user: str, address: str, at: datetime, *, forget_before: datetime) -> None:
        with self._lock:
            key = self._key(user, address)
            kept = [t for t in self._failures.get(key, []) if t > forget_before]
            self._failures[key] = [*kept, at]

    def clear(self, user: str, address: str) -> None:
        with self._lock:
            self._failures.pop(self._key(user, address), None)


class SignInThrottle:
    def __init__(
        self,
        store: FailureStore,
        *,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
    ) -> None:
        self._store = store
        self._max = max_failures
        self._window = timedelta(seconds=window_seconds)

    def wait_seconds(self, user: str, address: str) -> int:
        """Seconds until this pair may try again; 0 when it may try now."""
        now = self._store.now()
        times = self._store.since(user, address, now - self._window)
        if len(times) < self._max:
            return 0
        remaining = self._window - (now - times[0])
        return max(1, int(remaining.total_seconds() + 0.999))

    def failed(self, user: str, address: str) -> None:
        now = self._store.now()
        self._store.add(user, address, now, forget_before=now - self._window)

    def succeeded(self, user: str, address: str) -> None:
        self._store.clear(user, address)
