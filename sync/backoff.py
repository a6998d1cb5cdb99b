"""Retry timing and connectivity state for the sync worker.

* `Backoff`: exponential backoff with full jitter (delay drawn uniformly from
  ``[0, min(cap, base * 2**attempt)]``), never shorter than the server's ``Retry-After``.
  The random source is injected so tests are deterministic.
* `OnlineTracker`: offline once 2 of the last 5 calls failed (as pretixSCAN does), back online
  on the first success.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable

Waiter = Callable[[float], bool]
"""Waits up to the given seconds; returns True when the wait was cut short to stop."""

MAX_RETRY_AFTER_S = 3600.0


class Backoff:
    """Full-jitter exponential backoff: ``delay = uniform(0, min(cap, base * 2**attempt))``."""

    def __init__(
        self, *, base: float = 0.5, cap: float = 60.0, rng: random.Random | None = None
    ) -> None:
        if base <= 0 or cap < base:
            raise ValueError("need 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()
        self.attempt = 0

    def reset(self) -> None:
        self.attempt = 0

    def ceiling(self) -> float:
        """The upper bound of the next delay."""
        return min(self.cap, self.base * 2.0 ** min(self.attempt, 62))

    def next_delay(self, retry_after: float | None = None) -> float:
        """The delay before the next retry; at least `retry_after` (capped at an hour)."""
        delay = self.rng.uniform(0.0, self.ceiling())
        self.attempt += 1
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_S))
        return delay


class OnlineTracker:
    """Online/offline from the outcomes of recent calls (thread-safe).

    Starts online (optimistic, so the first sync is attempted at once). Goes offline when
    `failures` of the last `window` calls failed; back online on the first success.
    """

    def __init__(
        self,
        *,
        window: int = 5,
        failures: int = 2,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        if not 1 <= failures <= window:
            raise ValueError("need 1 <= failures <= window")
        self._recent: deque[bool] = deque(maxlen=window)
        self._failures = failures
        self._online = True
        self._lock = threading.Lock()
        self.on_change = on_change

    @property
    def online(self) -> bool:
        with self._lock:
            return self._online

    def record(self, ok: bool) -> bool:
        """Note one call's outcome; returns the (possibly new) online state."""
        with self._lock:
            self._recent.append(ok)
            before = self._online
            if ok:
                self._online = True
            elif sum(1 for r in self._recent if not r) >= self._failures:
                self._online = False
            now = self._online
        if now != before and self.on_change is not None:
            self.on_change(now)
        return now
