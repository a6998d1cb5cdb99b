"""Keyboard-wedge scanners: USB/Bluetooth HID devices that type the pass string plus Enter."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO


def clean_line(line: str) -> str:
    """Strip the line ending (CR, LF, CRLF) and surrounding whitespace."""
    return line.strip(" \t\r\n\x00")


def iter_wedge_lines(stream: TextIO | Iterable[str]) -> Iterator[str]:
    """Yield one payload per non-empty line of a text stream (stdin for `kiosk scan -`)."""
    for line in stream:
        payload = clean_line(line)
        if payload:
            yield payload


class WedgeKeyBuffer:
    """Collects typed characters from the UI's key events into a payload.

    `feed(char)` returns the payload when Enter arrives. A pause longer than `max_gap_s`
    between keys starts a new payload (a wedge types a whole pass in well under a second; a
    stray keypress long ago must not prefix the next scan). The clock is injectable.
    """

    ENTER = frozenset({"\r", "\n", "enter"})

    def __init__(
        self,
        *,
        max_gap_s: float = 0.5,
        max_length: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_gap_s = max_gap_s
        self.max_length = max_length
        self._clock = clock
        self._chars: list[str] = []
        self._last: float | None = None

    def feed(self, key: str) -> str | None:
        now = self._clock()
        if self._last is not None and now - self._last > self.max_gap_s:
            self._chars.clear()
        self._last = now
        if key in self.ENTER:
            payload = clean_line("".join(self._chars))
            self._chars.clear()
            return payload or None
        if len(key) == 1 and len(self._chars) < self.max_length:
            self._chars.append(key)
        return None

    def clear(self) -> None:
        self._chars.clear()
        self._last = None
