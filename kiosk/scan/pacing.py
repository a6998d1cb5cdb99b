"""Pace a stored stream to its frame rate, waiting on the stop event (never a bare sleep)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Holds frame `i` back until `start + i / fps` on the monotonic clock.

    When `realtime` is False, `wait` returns at once (as fast as possible). A producer that
    falls more than one frame behind (e.g. while rendering) does not burst to catch up, as a
    camera would not either: the schedule restarts from the late frame.
    """

    def __init__(
        self,
        fps: float,
        *,
        realtime: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.fps = fps
        self.realtime = realtime
        self._clock = clock
        self._start: float | None = None

    def wait(self, index: int, stop: threading.Event) -> bool:
        """Wait for frame `index`'s slot. Returns False when `stop` was set meanwhile."""
        if stop.is_set():
            return False
        if not self.realtime:
            return True
        now = self._clock()
        if self._start is None:
            self._start = now - index / self.fps
        due = self._start + index / self.fps
        if due > now:
            return not stop.wait(due - now)
        if now - due > 1.0 / self.fps:
            self._start = now - index / self.fps
        return True
