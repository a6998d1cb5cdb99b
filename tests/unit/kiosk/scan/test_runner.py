"""`iter_decisions`: what `kiosk scan --source SRC --jsonl` runs for every non-wedge source."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kiosk.checkins import CheckinService
from kiosk.models import Outcome
from kiosk.scan.frames import SourceError
from kiosk.scan.runner import iter_decisions
from kiosk.scan.settings import ScanSettings
from kiosk.scan.sources import SpecError
from tests.corpus.generate import Corpus
from tests.passkit import PassKit
from tests.unit.kiosk.scan.conftest import RecordingSink

LOSSLESS = ScanSettings(realtime=False)


def test_video_in_real_time_one_decision_per_registrant(
    corpus: Corpus, corpus_service: CheckinService
) -> None:
    video = corpus.videos[0]
    results = list(iter_decisions(str(video.path), corpus_service))  # paced at 30 fps
    assert [r.outcome for r in results] == [Outcome.ACCEPTED] * len(video.registrants)
    assert max(r.latency_ms for r in results) < 1000


def test_image_folder_decides_every_code(corpus: Corpus, corpus_service: CheckinService) -> None:
    results = list(iter_decisions(str(corpus.root), corpus_service, settings=LOSSLESS))
    assert len(results) >= 0.97 * corpus.expected_codes
    assert {r.outcome for r in results} == {Outcome.ACCEPTED}


def test_synthetic_spec(kit: PassKit, service: CheckinService, tmp_path: Path) -> None:
    passes = tmp_path / "passes.txt"
    tokens = [kit.sign() for _ in range(3)]
    passes.write_text("\n".join([*tokens, tokens[0]]) + "\n", encoding="utf-8")
    spec = f"synthetic:{passes}?size=640x480&hold=4&gap=20&effects=plain,inverted,rotate"
    settings = ScanSettings(realtime=False, rearm_s=0.5)
    results = list(iter_decisions(spec, service, settings=settings))
    assert [r.outcome for r in results] == [Outcome.ACCEPTED] * 3 + [Outcome.DUPLICATE]


def test_missing_input_raises_source_error_and_bad_spec_raises_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        list(iter_decisions(str(tmp_path / "missing.avi"), RecordingSink()))
    with pytest.raises(SourceError, match="/dev/video97"):
        list(iter_decisions("/dev/video97", RecordingSink()))
    with pytest.raises(SpecError):
        list(iter_decisions("-", RecordingSink()))


def test_closing_the_iterator_early_stops_the_pipeline(kit: PassKit, tmp_path: Path) -> None:
    passes = tmp_path / "passes.txt"
    passes.write_text("\n".join(kit.sign() for _ in range(50)), encoding="utf-8")
    spec = f"synthetic:{passes}?size=640x480&hold=3&gap=1&effects=plain"
    sink = RecordingSink()
    early = iter_decisions(spec, sink)
    next(early)
    early.close()  # the consumer walking away stops the pipeline and releases the source
    scanners = [t for t in threading.enumerate() if t.name.startswith("scan-")]
    for thread in scanners:
        thread.join(5)
    assert [t.name for t in scanners if t.is_alive()] == []
    assert len(sink.payloads) < 50
