"""Keyboard-wedge scanners: USB/Bluetooth HID devices that type the pass string plus Enter.

`kiosk scan --source -` reads their lines from stdin as bytes, so any locale works, and with
a length bound, so a line of any size costs at most `MAX_LINE_BYTES` of memory: a line too
long or not UTF-8 is still one line, decided (`malformed` / `bad_encoding`), never a crash."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from kiosk.models import Reason

MAX_LINE_BYTES = 8192
"""A pass is ~350 characters; a line longer than this is refused unread (the rest discarded)."""


class LineReader(Protocol):
    """A binary stream read line by line (`sys.stdin.buffer`, `io.BytesIO`)."""

    def readline(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class WedgeLine:
    """One non-empty line: its payload, or why it cannot be a pass (`refusal`, `detail`)."""

    payload: str
    refusal: Reason | None = None
    detail: str = ""


def clean_line(line: str) -> str:
    """Strip the line ending (CR, LF, CRLF) and surrounding whitespace."""
    return line.strip(" \t\r\n\x00")


def _bounded_lines(stream: LineReader, limit: int) -> Iterator[tuple[bytes, bool]]:
    """(line without its end, too long) per line; a too-long line yields only its first
    `limit` bytes, and the rest is read and dropped in chunks of at most `limit + 2`."""
    chunk_size = limit + 2  # room for the line's own CR LF
    while True:
        chunk = stream.readline(chunk_size)
        if not chunk:
            return
        if chunk.endswith(b"\n") or len(chunk) < chunk_size:  # a whole line (or the last)
            content = chunk.rstrip(b"\r\n")
            yield content[:limit], len(content) > limit
            continue
        while chunk and not chunk.endswith(b"\n"):
            chunk = stream.readline(chunk_size)
        yield b"", True


def iter_wedge_lines(stream: LineReader, *, max_bytes: int = MAX_LINE_BYTES) -> Iterator[WedgeLine]:
    """One `WedgeLine` per non-empty line of a binary stream (stdin for `kiosk scan -`)."""
    for content, too_long in _bounded_lines(stream, max_bytes):
        if too_long:
            yield WedgeLine("", Reason.MALFORMED, f"line longer than {max_bytes} bytes")
            continue
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            yield WedgeLine("", Reason.BAD_ENCODING, "line is not UTF-8")
            continue
        payload = clean_line(text)
        if payload:
            yield WedgeLine(payload)


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
