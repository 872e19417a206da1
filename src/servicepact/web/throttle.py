"""Sign-in throttling: too many failed sign-ins for one user from one address wait a while.

Five failures within fifteen minutes lock that (user, address) pair for the rest of the
window (the usual guidance for online guessing: limit failed attempts per account; an
attacker spraying many accounts from one address meets the same limit per account). The
state lives in the server process: a restart forgets it, which is acceptable for a lock
measured in minutes. A success clears the pair.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class SignInThrottle:
    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_failures
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and now - times[0] >= self._window:
            times.popleft()
        return times

    def wait_seconds(self, user: str, address: str) -> int:
        """Seconds until this pair may try again; 0 when it may try now."""
        key = (user.strip().lower(), address)
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            if len(times) < self._max:
                return 0
            return max(1, int(self._window - (now - times[0]) + 0.999))

    def failed(self, user: str, address: str) -> None:
        key = (user.strip().lower(), address)
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times

    def succeeded(self, user: str, address: str) -> None:
        with self._lock:
            self._failures.pop((user.strip().lower(), address), None)
