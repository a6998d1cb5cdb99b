"""The one-frame hand-over between the capture thread and the decode thread."""

from __future__ import annotations

import threading

from kiosk.scan.frames import Frame


class LatestFrameSlot:
    """Holds at most one frame.

    With `drop_stale=True` (live sources) a new frame replaces one not yet taken, and the
    replaced one is counted in `dropped`: decoding that falls behind skips to the newest frame
    instead of building a backlog. With `drop_stale=False` (stored input played as fast as
    possible) `put` waits for the slot to empty, so nothing is lost.
    """

    def __init__(self, *, drop_stale: bool) -> None:
        self.drop_stale = drop_stale
        self.dropped = 0
        self._frame: Frame | None = None
        self._closed = False
        self._cond = threading.Condition()

    def put(self, frame: Frame, stop: threading.Event | None = None) -> bool:
        """Offer a frame. Returns False if the slot was closed or `stop` set while waiting."""
        with self._cond:
            if not self.drop_stale:
                while self._frame is not None and not self._closed:
                    if stop is not None and stop.is_set():
                        return False
                    self._cond.wait(timeout=0.05)
            if self._closed:
                return False
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self._cond.notify_all()
            return True

    def take(self, timeout: float | None = None) -> Frame | None:
        """The newest frame, or None when closed and empty (or on timeout)."""
        with self._cond:
            if self._frame is None and not self._closed:
                self._cond.wait_for(lambda: self._frame is not None or self._closed, timeout)
            frame, self._frame = self._frame, None
            if frame is not None:
                self._cond.notify_all()
            return frame

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed and self._frame is None

    def close(self) -> None:
        """No more frames will come; `take` drains what is left then returns None."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
