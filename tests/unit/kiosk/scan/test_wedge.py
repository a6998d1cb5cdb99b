"""Keyboard-wedge input: stdin lines and the UI key-capture buffer."""

from __future__ import annotations

import io

import pytest

from kiosk.checkins import CheckinService
from kiosk.models import Method, Outcome, Reason
from kiosk.scan.runner import iter_wedge_decisions
from kiosk.scan.wedge import MAX_LINE_BYTES, WedgeKeyBuffer, iter_wedge_lines
from tests.passkit import PassKit


def payloads(data: bytes, **options: int) -> list[str]:
    return [line.payload for line in iter_wedge_lines(io.BytesIO(data), **options)]


def test_lines_are_stripped_and_empty_lines_ignored() -> None:
    assert payloads(b"abc\r\n\r\n   \nxyz\n\ndef") == ["abc", "xyz", "def"]


def test_wedge_lines_reach_the_real_service(service: CheckinService, kit: PassKit) -> None:
    token = kit.sign()
    stream = io.BytesIO(f"{token}\r\n{token}\r\n\r\nnot-a-pass\r\n".encode())
    results = list(iter_wedge_decisions(stream, service))
    assert [r.outcome for r in results] == [Outcome.ACCEPTED, Outcome.DUPLICATE, Outcome.REJECTED]
    assert results[2].reason is Reason.MALFORMED
    assert {r.method for r in results} == {Method.WEDGE}


class CountingReader(io.RawIOBase):
    """An endless line of `x` bytes (then a newline and one more line), that remembers the
    largest read it was asked for: the reader must never hold a long line in memory."""

    def __init__(self, line_bytes: int, tail: bytes) -> None:
        self.left = line_bytes
        self.tail = tail
        self.largest = 0

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1, /) -> bytes:
        assert size is not None, "an unbounded readline"
        assert size > 0, "an unbounded readline"
        self.largest = max(self.largest, size)
        if self.left > 0:
            take = min(size, self.left)
            self.left -= take
            return b"x" * take
        end = self.tail.find(b"\n") + 1 or len(self.tail)
        data, self.tail = self.tail[: min(end, size)], self.tail[min(end, size) :]
        return data


def test_a_huge_line_is_refused_without_reading_it_into_memory() -> None:
    reader = CountingReader(100 * 1024 * 1024, b"\nnext-line\n")
    lines = list(iter_wedge_lines(reader))
    assert [(line.payload, line.refusal) for line in lines] == [
        ("", Reason.MALFORMED),
        ("next-line", None),
    ]
    assert "8192 bytes" in lines[0].detail
    assert reader.largest <= MAX_LINE_BYTES + 2


@pytest.mark.parametrize(
    ("length", "refused"),
    [(MAX_LINE_BYTES, False), (MAX_LINE_BYTES + 1, True), (MAX_LINE_BYTES + 2, True)],
)
def test_the_line_cap_is_exact_with_either_line_end(length: int, refused: bool) -> None:
    for end in (b"\n", b"\r\n", b""):
        (line,) = iter_wedge_lines(io.BytesIO(b"y" * length + end))
        assert (line.refusal is Reason.MALFORMED) is refused, (length, end)


def test_bytes_that_are_not_utf8_are_one_decided_line(service: CheckinService) -> None:
    stream = io.BytesIO(b"\xff\xfe\x80not text\n\xe3\x81\x82\n")
    results = list(iter_wedge_decisions(stream, service))
    assert [(r.outcome, r.reason) for r in results] == [
        (Outcome.REJECTED, Reason.BAD_ENCODING),
        (Outcome.REJECTED, Reason.MALFORMED),  # "あ": text, but not a pass
    ]
    attempts = service.store.records.attempts(service.activity_id)
    assert sorted(a.reason or "" for a in attempts) == ["bad_encoding", "malformed"]


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_key_buffer_emits_on_enter_and_drops_stale_keys() -> None:
    clock = Ticks()
    buffer = WedgeKeyBuffer(max_gap_s=0.5, clock=clock)
    for char in "stray":
        assert buffer.feed(char) is None
    clock.now = 5.0  # long pause: the stray keys are forgotten
    for char in "eyJ.abc":
        clock.now += 0.01
        assert buffer.feed(char) is None
    assert buffer.feed("enter") == "eyJ.abc"
    assert buffer.feed("\r") is None  # empty line -> nothing
    for char in "xy":
        buffer.feed(char)
    assert buffer.feed("shift") is None  # named non-character keys are ignored
    assert buffer.feed("\n") == "xy"
