"""The pipeline end to end: generated videos and synthetic feeds through the real decoders
into the real check-in service."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence

import numpy as np
import pytest

from kiosk.checkins import CheckinService
from kiosk.models import CheckinResult, Method, Outcome, Reason
from kiosk.scan.decoders import Decoder, ZxingDecoder
from kiosk.scan.frame_decoder import FrameDecoder
from kiosk.scan.frames import SourceState
from kiosk.scan.media import VideoFileSource
from kiosk.scan.pipeline import ScanPipeline
from kiosk.scan.render import CodeSpec, Style
from kiosk.scan.settings import Backend, ScanSettings
from kiosk.scan.synthetic import Shot, SyntheticSource
from tests.corpus.generate import Corpus, large_and_small
from tests.passkit import PassKit
from tests.unit.kiosk.scan.conftest import CaptureTimes, IndexedSource, RecordingSink
from tests.unit.kiosk.scan.fakecam import StateLog

LOSSLESS = ScanSettings(realtime=False)


def run(pipeline: ScanPipeline, timeout: float = 60) -> None:
    pipeline.start()
    assert pipeline.join(timeout), "pipeline did not finish"


def feed(shots: Sequence[Shot], fps: float = 30.0) -> SyntheticSource:
    return SyntheticSource(shots, width=640, height=480, fps=fps, realtime=False)


def code(payload: str | bytes, **kw: float) -> CodeSpec:
    return CodeSpec(payload, module_px=4.0, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", [Backend.ZXING, Backend.PYZBAR], ids=str)
def test_each_registrant_in_a_video_is_decided_exactly_once(
    corpus: Corpus, corpus_service: CheckinService, backend: Backend
) -> None:
    results: list[CheckinResult] = []
    videos = corpus.videos if backend is Backend.ZXING else corpus.videos[:1]  # pyzbar is slow
    for video in videos:
        settings = ScanSettings(realtime=False, backend=backend)
        source = VideoFileSource(video.path, realtime=False)
        pipeline = ScanPipeline(source, corpus_service, settings=settings, on_result=results.append)
        run(pipeline)
        stats = pipeline.snapshot()
        assert stats.frames_captured == video.frames
        assert stats.frames_dropped == 0  # stored input is never dropped
    expected = [token for video in videos for token in video.registrants]
    assert [r.outcome for r in results] == [Outcome.ACCEPTED] * len(expected)
    assert len({r.checkin_id for r in results}) == len(expected)
    assert {r.method for r in results} == {Method.CAMERA}
    assert all(r.latency_ms >= 0 for r in results)


def test_two_codes_in_one_frame_both_decide(kit: PassKit, service: CheckinService) -> None:
    first, second = kit.sign(), kit.sign()
    shots = [
        Shot((CodeSpec(first, 3.0, (0.27, 0.5)), CodeSpec(second, 3.0, (0.73, 0.5))), frames=5)
    ]
    results: list[CheckinResult] = []
    run(ScanPipeline(feed(shots), service, settings=LOSSLESS, on_result=results.append))
    assert len(results) == 2
    assert {r.outcome for r in results} == {Outcome.ACCEPTED}
    assert len({r.registrant for r in results}) == 2


def test_a_large_and_a_small_code_in_one_720p_frame_both_decide(
    kit: PassKit, service: CheckinService
) -> None:
    codes = large_and_small((kit.sign(), kit.sign()), random.Random(3), height=720)
    source = SyntheticSource([Shot(tuple(codes), frames=4)], realtime=False)
    results: list[CheckinResult] = []
    run(ScanPipeline(source, service, settings=LOSSLESS, on_result=results.append))
    assert [r.outcome for r in results] == [Outcome.ACCEPTED] * 2
    assert len({r.registrant for r in results}) == 2


def test_a_small_code_joining_a_held_large_one_is_decided_within_two_frames(
    kit: PassKit, service: CheckinService
) -> None:
    """The look beside a held code runs every other frame: a second, small code that joins
    it is still decided on the first or second frame that shows it."""
    for joins_at in (10, 11):  # both phases of the every-other-frame look
        pair = (kit.sign(), kit.sign())
        large, small = large_and_small(pair, random.Random(5), height=720)
        shots = [Shot((large,), frames=joins_at, seed=1), Shot((large, small), frames=4, seed=2)]
        source = IndexedSource(SyntheticSource(shots, realtime=False))
        sink = CaptureTimes(service)
        results: list[CheckinResult] = []
        run(ScanPipeline(source, sink, settings=LOSSLESS, on_result=results.append))
        assert [r.outcome for r in results] == [Outcome.ACCEPTED] * 2
        decided = [source.index_at[at] for at in sink.captured]
        assert decided[0] == 0  # the large code, on its first frame
        assert joins_at <= decided[1] <= joins_at + 1


def test_looping_video_plays_again_with_rising_index(corpus: Corpus) -> None:
    video = corpus.videos[0]
    source = VideoFileSource(video.path, realtime=False, loop=True)
    stop = threading.Event()
    frames = source.frames(stop, StateLog())
    indexes = [next(frames).index for _ in range(video.frames + 5)]
    stop.set()
    assert list(frames) == []  # stops at once when asked
    assert indexes == list(range(video.frames + 5))


def test_code_returning_after_rearm_is_submitted_again_and_is_a_duplicate(
    kit: PassKit, service: CheckinService
) -> None:
    token, other = kit.sign(), kit.sign()
    settings = ScanSettings(realtime=False, rearm_s=1.0)
    shots = [
        Shot((code(token),), frames=10),
        Shot((), frames=15),  # away 0.5 s: within re-arm, no new submission
        Shot((code(token),), frames=10),
        Shot((), frames=40),  # away 1.33 s: re-armed
        Shot((code(token),), frames=10),
        Shot((code(other),), frames=3),  # a different code is decided at once
    ]
    results: list[CheckinResult] = []
    pipeline = ScanPipeline(feed(shots), service, settings=settings, on_result=results.append)
    run(pipeline)
    assert [r.outcome for r in results] == [Outcome.ACCEPTED, Outcome.DUPLICATE, Outcome.ACCEPTED]
    assert results[0].checkin_id == results[1].checkin_id
    assert pipeline.snapshot().suppressed > 20


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("hello, not a pass", Reason.MALFORMED),
        (b"\xff\xfe\x80\x00binary", Reason.MALFORMED),
        ("[b]markup[/b]\x1b[31m", Reason.MALFORMED),
    ],
)
def test_garbage_qr_content_reaches_the_service_and_is_rejected(
    service: CheckinService, payload: str | bytes, reason: Reason
) -> None:
    results: list[CheckinResult] = []
    sink = RecordingSink()
    run(ScanPipeline(feed([Shot((code(payload),), frames=3)]), sink, settings=LOSSLESS))
    assert len(sink.payloads) == 1
    run(
        ScanPipeline(
            feed([Shot((code(payload),), frames=3)]),
            service,
            settings=LOSSLESS,
            on_result=results.append,
        )
    )
    assert [(r.outcome, r.reason) for r in results] == [(Outcome.REJECTED, reason)]


def test_signed_pass_with_malformed_claims_is_rejected_malformed(
    kit: PassKit, service: CheckinService
) -> None:
    token = kit.sign(claims={"iss": "furusato-national", "hello": "world"})
    results: list[CheckinResult] = []
    run(
        ScanPipeline(
            feed([Shot((code(token),), frames=3)]),
            service,
            settings=LOSSLESS,
            on_result=results.append,
        )
    )
    assert [(r.outcome, r.reason) for r in results] == [(Outcome.REJECTED, Reason.MALFORMED)]


def test_inverted_dark_mode_codes_decide(kit: PassKit, service: CheckinService) -> None:
    token = kit.sign()
    shots = [Shot((CodeSpec(token, 4.0, inverted=True),), Style(brightness=0.6, noise=4), 4)]
    results: list[CheckinResult] = []
    run(ScanPipeline(feed(shots), service, settings=LOSSLESS, on_result=results.append))
    assert [r.outcome for r in results] == [Outcome.ACCEPTED]


class GatedDecoder:
    """The real zxing decoder, held at a gate so the test controls when decoding proceeds."""

    def __init__(self) -> None:
        self.inner = ZxingDecoder()
        self.name = "gated"
        self.gate = threading.Event()
        self.entered = threading.Event()

    def decode(self, gray: np.ndarray) -> list[str]:
        self.entered.set()
        self.gate.wait(timeout=10)
        return self.inner.decode(gray)

    def alternates(self) -> Sequence[Decoder]:
        return []


def test_a_slow_decoder_behind_a_live_source_drops_stale_frames(kit: PassKit) -> None:
    """Live source at 30 fps, decoder stalled: frames are dropped, not queued; newest wins."""
    token = kit.sign()
    decoder = GatedDecoder()
    source = SyntheticSource(
        [Shot((), frames=1), Shot((code(token),), frames=20)],
        width=640,
        height=480,
        fps=200,
        realtime=True,
    )
    sink = RecordingSink()
    frame_decoder = FrameDecoder(decoder, downscale_width=0, cascade_budget_ms=0)
    pipeline = ScanPipeline(source, sink, decoder=frame_decoder, settings=ScanSettings())
    pipeline.start()
    assert decoder.entered.wait(10)
    captured = 0
    for _ in range(400):  # bounded polling until the source has run dry
        captured = pipeline.snapshot().frames_captured
        if captured == 21:
            break
        sink.event.wait(0.01)
    decoder.gate.set()
    assert pipeline.join(10)
    stats = pipeline.snapshot()
    assert stats.frames_captured == 21
    assert stats.frames_dropped >= 18
    assert stats.frames_decoded + stats.frames_dropped == 21
    assert sink.payloads == [token]  # the newest frame (with the code) was decoded


def test_stop_ends_an_endless_live_feed_promptly(kit: PassKit) -> None:
    def endless() -> object:
        while True:
            yield kit.sign()

    source = SyntheticSource.from_passes(
        endless(),  # type: ignore[arg-type]
        width=320,
        height=240,
        realtime=True,
        hold_frames=3,
        gap_frames=1,
    )
    sink = RecordingSink()
    log = StateLog()
    pipeline = ScanPipeline(source, sink, on_state=log)
    with pipeline:
        assert sink.event.wait(20)
    assert not pipeline.running
    assert log.sequence[-1] is SourceState.STOPPED


class FailingSink:
    def __init__(self) -> None:
        self.calls = 0

    def submit(
        self, payload: str, method: Method, captured_at: float | None = None
    ) -> CheckinResult:
        self.calls += 1
        raise RuntimeError("disk on fire")


def test_sink_and_callback_errors_are_reported_not_fatal(kit: PassKit) -> None:
    errors: list[BaseException] = []
    sink = FailingSink()
    shots = [Shot((code(kit.sign()),), frames=2), Shot((code(kit.sign()),), frames=2)]

    def bad_state(state: SourceState, detail: str) -> None:
        raise ValueError("ui callback bug")

    pipeline = ScanPipeline(
        feed(shots), sink, settings=LOSSLESS, on_error=errors.append, on_state=bad_state
    )
    run(pipeline)
    assert sink.calls == 2
    assert sum(isinstance(e, RuntimeError) for e in errors) == 2
    assert any(isinstance(e, ValueError) for e in errors)
    assert pipeline.error is None


def test_a_source_that_raises_mid_stream_ends_failed_without_crashing(kit: PassKit) -> None:
    class Exploding:
        realtime = True

        def describe(self) -> str:
            return "exploding"

        def frames(self, stop: threading.Event, report: object, demand: object = None):  # type: ignore[no-untyped-def]
            yield from feed([Shot((code(kit.sign()),), frames=2)]).frames(stop, lambda s, d: None)
            raise OSError("cable cut")

    sink = RecordingSink()
    log = StateLog()
    errors: list[BaseException] = []
    pipeline = ScanPipeline(Exploding(), sink, on_state=log, on_error=errors.append)
    run(pipeline)
    assert len(sink.payloads) == 1
    assert log.sequence[-1] is SourceState.FAILED
    assert "cable cut" in log.states[-1][1]
    assert isinstance(pipeline.error, OSError)
    assert errors == [pipeline.error]


def test_pipeline_starts_once() -> None:
    pipeline = ScanPipeline(feed([]), RecordingSink(), settings=LOSSLESS)
    run(pipeline)
    with pytest.raises(RuntimeError, match="already started"):
        pipeline.start()


def test_stop_from_a_result_callback_does_not_deadlock(kit: PassKit) -> None:
    shots = [Shot((code(kit.sign()),), frames=2), Shot((code(kit.sign()),), frames=50)]
    results: list[CheckinResult] = []
    holder: list[ScanPipeline] = []

    def on_result(result: CheckinResult) -> None:
        results.append(result)
        holder[0].stop()  # called on the decode thread

    pipeline = ScanPipeline(feed(shots), RecordingSink(), settings=LOSSLESS, on_result=on_result)
    holder.append(pipeline)
    run(pipeline, timeout=10)
    assert len(results) == 1
    assert pipeline.snapshot().frames_decoded < 52


def test_live_feed_shows_pushed_passes_and_ends_on_close(
    kit: PassKit, service: CheckinService
) -> None:
    from kiosk.scan.synthetic import LiveFeed

    feed_ = LiveFeed(hold_frames=4, idle_frames=2, height=480)
    source = SyntheticSource(feed_.shots(), width=640, height=480, fps=60, realtime=True)
    results: list[CheckinResult] = []
    arrived = threading.Event()

    def on_result(result: CheckinResult) -> None:
        results.append(result)
        arrived.set()

    with ScanPipeline(source, service, on_result=on_result) as pipeline:
        token = kit.sign()
        feed_.push(token)
        assert arrived.wait(20)
        feed_.close()
        assert pipeline.join(20)
    assert [r.outcome for r in results] == [Outcome.ACCEPTED]


def test_a_source_failing_before_its_first_frame_ends_the_pipeline() -> None:
    class Broken:
        realtime = True

        def describe(self) -> str:
            return "broken"

        def frames(self, stop: threading.Event, report: object, demand: object = None) -> object:
            raise PermissionError("no access to /dev/video0")

    log = StateLog()
    pipeline = ScanPipeline(Broken(), RecordingSink(), on_state=log)  # type: ignore[arg-type]
    run(pipeline, timeout=10)
    assert log.sequence == [SourceState.FAILED]
    assert isinstance(pipeline.error, PermissionError)
