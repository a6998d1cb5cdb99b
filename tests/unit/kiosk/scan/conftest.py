"""Scan fixtures: one generated corpus per session, real check-in services on temp files."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.checkins import CheckinService
from kiosk.models import CheckinResult, Method, Outcome
from kiosk.scan.frames import Frame, FrameDemand, FrameSource, StateCallback
from tests.builders import checkin_service
from tests.corpus.generate import Corpus, generate


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return generate(tmp_path_factory.mktemp("scan-corpus"))


def _service(database: Path, jwks: Path) -> Iterator[CheckinService]:
    svc = checkin_service(database, jwks, "act-scan-test", synchronous="NORMAL")
    yield svc
    svc.store.close()


@pytest.fixture
def service(jwks_file: Path, tmp_path: Path) -> Iterator[CheckinService]:
    """The real check-in service, trusting the `kit` fixture's key."""
    yield from _service(tmp_path / "kiosk.db", jwks_file)


@pytest.fixture
def corpus_service(corpus: Corpus, tmp_path: Path) -> Iterator[CheckinService]:
    """The real check-in service, trusting the corpus kit's key."""
    yield from _service(tmp_path / "corpus.db", corpus.jwks)


class RecordingSink:
    """A DecisionSink that records payloads (for pipeline mechanics, not for decisions)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Method, float | None]] = []
        self.lock = threading.Lock()
        self.event = threading.Event()

    @property
    def payloads(self) -> list[str]:
        with self.lock:
            return [call[0] for call in self.calls]

    def submit(
        self, payload: str, method: Method, captured_at: float | None = None
    ) -> CheckinResult:
        with self.lock:
            self.calls.append((payload, method, captured_at))
        self.event.set()
        return CheckinResult(
            outcome=Outcome.ACCEPTED,
            reason=None,
            registrant=None,
            checkin_id=None,
            attempt_id=str(len(self.calls)),
            method=method,
            activity_id="recording",
            decided_at=datetime.now(UTC),
            latency_ms=0.0,
        )


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@dataclass
class IndexedSource:
    """A real source that remembers which frame index each capture time belongs to."""

    inner: FrameSource
    index_at: dict[float, int] = field(default_factory=dict)

    @property
    def realtime(self) -> bool:
        return self.inner.realtime

    def describe(self) -> str:
        return self.inner.describe()

    def frames(
        self, stop: threading.Event, report: StateCallback, demand: FrameDemand | None = None
    ) -> Generator[Frame, None, None]:
        for frame in self.inner.frames(stop, report, demand):
            self.index_at[frame.captured_at] = frame.index
            yield frame


@dataclass
class CaptureTimes:
    """The real check-in service, noting the capture time of each frame it decides."""

    service: CheckinService
    captured: list[float] = field(default_factory=list)

    def submit(
        self, payload: str, method: Method, captured_at: float | None = None
    ) -> CheckinResult:
        assert captured_at is not None
        self.captured.append(captured_at)
        return self.service.submit(payload, method, captured_at)
