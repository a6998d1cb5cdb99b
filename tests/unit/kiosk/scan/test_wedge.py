"""Keyboard-wedge input: stdin lines and the UI key-capture buffer."""

from __future__ import annotations

import io

from kiosk.checkins import CheckinService
from kiosk.models import Method, Outcome, Reason
from kiosk.scan.runner import iter_wedge_decisions
from kiosk.scan.wedge import WedgeKeyBuffer, iter_wedge_lines
from tests.passkit import PassKit


def test_lines_are_stripped_and_empty_lines_ignored() -> None:
    stream = io.StringIO("abc\r\n\r\n   \nxyz\n\ndef")
    assert list(iter_wedge_lines(stream)) == ["abc", "xyz", "def"]


def test_wedge_lines_reach_the_real_service(service: CheckinService, kit: PassKit) -> None:
    token = kit.sign()
    stream = io.StringIO(f"{token}\r\n{token}\r\n\r\nnot-a-pass\r\n")
    results = list(iter_wedge_decisions(stream, service))
    assert [r.outcome for r in results] == [Outcome.ACCEPTED, Outcome.DUPLICATE, Outcome.REJECTED]
    assert results[2].reason is Reason.MALFORMED
    assert {r.method for r in results} == {Method.WEDGE}


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
