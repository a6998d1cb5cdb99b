"""A one-frame hand-over between the capture thread and the decode thread."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """Holds at most one item.

    With `drop_stale=True` (live sources) a new item replaces one not yet taken, and the
    replaced one is counted in `dropped`: decoding that falls behind skips to the newest frame
    instead of building a backlog. With `drop_stale=False` (stored input played as fast as
    possible) `put` waits for the slot to empty, so nothing is lost.
    """

    def __init__(self, *, drop_stale: bool) -> None:
        self.drop_stale = drop_stale
        self.dropped = 0
        self._item: T | None = None
        self._has_item = False
        self._closed = False
        self._cond = threading.Condition()

    def put(self, item: T, stop: threading.Event | None = None) -> bool:
        """Offer an item. Returns False if the slot was closed or `stop` set while waiting."""
        with self._cond:
            if not self.drop_stale:
                while self._has_item and not self._closed:
                    if stop is not None and stop.is_set():
                        return False
                    self._cond.wait(timeout=0.05)
            if self._closed:
                return False
            if self._has_item:
                self.dropped += 1
            self._item = item
            self._has_item = True
            self._cond.notify_all()
            return True

    def take(self, timeout: float | None = None) -> T | None:
        """Next item, or None when closed and empty (or on timeout)."""
        with self._cond:
            if not self._has_item and not self._closed:
                self._cond.wait_for(lambda: self._has_item or self._closed, timeout=timeout)
            if not self._has_item:
                return None
            item = self._item
            self._item = None
            self._has_item = False
            self._cond.notify_all()
            return item

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed and not self._has_item

    def close(self) -> None:
        """No more items will come; `take` drains what is left then returns None."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
