"""Property-based fuzzing of the whole decision boundary with `tests.hostile` strategies:
`CheckinService.submit` and `record_manual`, the keyboard wedge's key buffer, the stdin line
reader and (a handful of examples) camera frames through the real decoder. Whatever arrives:
no exception, a known reason, never `unreadable` (that would be a bug caught by the boundary),
and exactly one recorded attempt per input.

`make test` runs the short profile; `make fuzz` runs these with `--hypothesis-profile=fuzz`."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.checkins import CheckinService
from kiosk.clock import SystemClock
from kiosk.models import CheckinResult, Method, Outcome, Reason
from kiosk.new_checkins import paper_registrant
from kiosk.passes import PassVerifier, parse_jwks
from kiosk.scan.pipeline import ScanPipeline
from kiosk.scan.render import CodeSpec, Style
from kiosk.scan.runner import iter_wedge_decisions
from kiosk.scan.settings import ScanSettings
from kiosk.scan.synthetic import Shot, SyntheticSource
from kiosk.scan.wedge import MAX_LINE_BYTES, WedgeKeyBuffer, clean_line
from kiosk.store import Store
from kiosk.text import UNSAFE_CATEGORIES
from tests.hostile import (
    HOSTILE_TEXT,
    TRUSTED,
    hostile_tokens,
    mutated_pass,
    nested_token,
    signed_with_odd_fields,
)

pytestmark = pytest.mark.fuzz

ACTIVITY = "act-fuzz"
KNOWN = set(Reason)


@dataclass
class Gate:
    """A real store and check-in service for a whole module's examples."""

    service: CheckinService

    @property
    def store(self) -> Store:
        return self.service.store

    def last_attempt(self) -> int:
        return int(self.store.database.value("SELECT COALESCE(MAX(rowid), 0) FROM attempt"))

    def attempts_after(self, rowid: int) -> list[str]:
        """Ids of the attempts recorded since `last_attempt()` returned `rowid`."""
        with self.store.database.read() as con:
            rows = con.execute("SELECT id FROM attempt WHERE rowid > ?", (rowid,)).fetchall()
        return [row[0] for row in rows]


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gate]:
    folder = tmp_path_factory.mktemp("fuzz")
    store = Store.open(folder / "kiosk.db", synchronous="NORMAL")
    store.activities.ensure(ACTIVITY, "Fuzz", datetime.now(UTC).date())
    verifier = PassVerifier(parse_jwks(TRUSTED.jwks()))
    yield Gate(CheckinService(store, verifier, SystemClock(), ACTIVITY))
    store.close()


def as_text(token: str | bytes) -> str:
    """What a source hands over as text: bytes that are not UTF-8 keep their oddity."""
    return token if isinstance(token, str) else token.decode("utf-8", "surrogateescape")


def assert_decided(result: CheckinResult, recorded: list[str]) -> None:
    assert result.outcome in set(Outcome)
    assert result.reason is None or result.reason in KNOWN
    assert (result.reason is None) == (result.outcome is not Outcome.REJECTED)
    assert result.reason is not Reason.UNREADABLE  # a bug the boundary caught: report it
    assert recorded == [result.attempt_id]  # exactly one attempt, and it is this decision's


@given(token=hostile_tokens, method=st.sampled_from((Method.CAMERA, Method.WEDGE)))
def test_submit_decides_everything_once(gate: Gate, token: str | bytes, method: Method) -> None:
    before = gate.last_attempt()
    result = gate.service.submit(as_text(token), method)
    assert_decided(result, gate.attempts_after(before))


registrants = st.one_of(
    st.from_regex(r"\AFR[0-9A-HJKMNP-TV-Z]{10}\Z"),
    st.builds(paper_registrant),
    st.text(max_size=40),
    st.sampled_from(HOSTILE_TEXT),
)
form_text = st.one_of(st.text(max_size=120), st.sampled_from(HOSTILE_TEXT))


@given(
    registrant=registrants,
    method=st.sampled_from((Method.MANUAL, Method.PAPER)),
    reason=form_text,
    paper=st.none() | st.tuples(form_text, form_text, form_text),
)
def test_manual_records_decide_everything_once(
    gate: Gate,
    registrant: str,
    method: Method,
    reason: str,
    paper: tuple[str, str, str] | None,
) -> None:
    before = gate.last_attempt()
    result = gate.service.record_manual(registrant, method, reason=reason, paper=paper)
    assert_decided(result, gate.attempts_after(before))
    if result.outcome is Outcome.ACCEPTED and paper is not None:
        stored = gate.store.records.paper_record(result.checkin_id or "")
        assert stored is not None
        for text in (stored.name, stored.contact, stored.municipality):
            assert not [ch for ch in text if ch == "\x1b" or _unsafe(ch)]


def _unsafe(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch) in UNSAFE_CATEGORIES


@given(token=hostile_tokens, stray=st.text(max_size=5))
def test_keyboard_wedge_keys_decide_everything_once(
    gate: Gate, token: str | bytes, stray: str
) -> None:
    """Key by key as the scan screen feeds a wedge's typing, then Enter (a CR or LF inside
    the typing ends a payload early, as the Enter key would)."""
    keys = WedgeKeyBuffer(max_gap_s=1e9)
    payloads = [keys.feed(char) for char in [*stray, *as_text(token), "enter"]]
    for payload in filter(None, payloads):
        before = gate.last_attempt()
        result = gate.service.submit(payload, Method.WEDGE)
        assert_decided(result, gate.attempts_after(before))


def _as_line(token: str | bytes) -> bytes:
    return token if isinstance(token, bytes) else token.encode("utf-8", "surrogatepass")


def expected_decisions(data: bytes) -> int:
    """How many lines the stdin reader must decide: every line that is too long (its content
    over the cap, or the line with its end over the cap + 2 bytes) or not UTF-8 or not blank."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    count = 0
    for line in lines:
        if len(line) >= MAX_LINE_BYTES + 2 or len(line.rstrip(b"\r")) > MAX_LINE_BYTES:
            count += 1
            continue
        try:
            text = line.rstrip(b"\r").decode("utf-8")
        except UnicodeDecodeError:
            count += 1
            continue
        count += bool(clean_line(text))
    return count


stdin_lines = st.one_of(
    hostile_tokens.map(_as_line),
    st.binary(max_size=80),
    st.integers(MAX_LINE_BYTES - 2, MAX_LINE_BYTES + 3).map(lambda n: b"\x00" + b"A" * n),
)


@given(
    lines=st.lists(stdin_lines, max_size=6),
    ending=st.sampled_from((b"\n", b"\r\n")),
    last_ended=st.booleans(),
)
def test_stdin_lines_decide_everything_once(
    gate: Gate, lines: list[bytes], ending: bytes, last_ended: bool
) -> None:
    data = ending.join(lines) + (ending if last_ended and lines else b"")
    before = gate.last_attempt()
    results = list(iter_wedge_decisions(io.BytesIO(data), gate.service))
    recorded = gate.attempts_after(before)
    assert len(results) == expected_decisions(data)
    assert sorted(recorded) == sorted(r.attempt_id for r in results)
    for result in results:
        assert result.method is Method.WEDGE
        assert_decided(result, [result.attempt_id])


camera_payloads = st.one_of(
    mutated_pass(),
    signed_with_odd_fields(),
    nested_token().filter(lambda token: len(token) < 1500),
    st.sampled_from(HOSTILE_TEXT),
    st.text(min_size=1, max_size=200),
)


@settings(max_examples=6)  # real frames are slow: a handful, in make test and make fuzz alike
@given(payload=camera_payloads)
def test_camera_frames_decide_everything_once(gate: Gate, payload: str) -> None:
    source = SyntheticSource(
        [Shot((CodeSpec(payload, module_px=3.5, error="l"),), Style(), frames=2)],
        realtime=False,
    )
    results: list[CheckinResult] = []
    errors: list[BaseException] = []
    before = gate.last_attempt()
    pipeline = ScanPipeline(
        source,
        gate.service,
        settings=ScanSettings(realtime=False),
        on_result=results.append,
        on_error=errors.append,
    )
    pipeline.start()
    assert pipeline.join(timeout=60)
    assert errors == []
    assert pipeline.error is None
    recorded = gate.attempts_after(before)
    assert sorted(recorded) == sorted(r.attempt_id for r in results)
    if payload.isascii() and payload.isprintable() and payload.strip():
        assert len(results) == 1  # the decoder read it, and it was decided once
    for result in results:
        assert_decided(result, [result.attempt_id])
