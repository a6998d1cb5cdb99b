"""Video files, image folders, pacing and source specs."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from kiosk.scan.camera import CameraSource
from kiosk.scan.frame_decoder import to_gray
from kiosk.scan.frames import Frame, FrameDemand, SourceError, SourceState
from kiosk.scan.media import ImageFolderSource, VideoFileSource
from kiosk.scan.pacing import Pacer
from kiosk.scan.settings import ScanSettings
from kiosk.scan.sources import SpecError, open_source
from kiosk.scan.synthetic import Shot, SyntheticSource
from tests.corpus.generate import Corpus
from tests.unit.kiosk.scan.fakecam import StateLog


def collect(source: object) -> tuple[list[Frame], StateLog]:
    log = StateLog()
    frames = list(source.frames(threading.Event(), log))  # type: ignore[attr-defined]
    return frames, log


def test_video_file_yields_every_frame_with_media_time(corpus: Corpus) -> None:
    video = corpus.videos[0]
    frames, log = collect(VideoFileSource(video.path, realtime=False))
    assert len(frames) == video.frames
    assert frames[30].media_time == pytest.approx(1.0)
    assert log.sequence == [SourceState.STARTING, SourceState.LIVE, SourceState.STOPPED]
    # MJPG (what USB cameras send) is decoded straight to grayscale; the colour path agrees.
    assert frames[0].image.shape == (video.height, video.width)
    colour, _ = collect(VideoFileSource(video.path, realtime=False, gray_jpeg=False))
    assert colour[0].image.shape == (video.height, video.width, 3)
    difference = np.abs(to_gray(colour[40].image).astype(int) - frames[40].image.astype(int))
    assert float(difference.mean()) < 2.0


@pytest.mark.parametrize("colour", [False, True], ids=["gray-jpeg", "bgr"])
def test_a_video_skips_the_frames_its_demand_does_not_want(corpus: Corpus, colour: bool) -> None:
    video = corpus.videos[0]
    demand = FrameDemand()
    demand.every = 3
    source = VideoFileSource(video.path, realtime=False, gray_jpeg=not colour)
    frames = list(source.frames(threading.Event(), StateLog(), demand))
    assert [f.index for f in frames[:4]] == [2, 5, 8, 11]
    assert frames[1].media_time == pytest.approx(5 / 30)
    assert len(frames) + demand.skipped == video.frames


def test_synthetic_and_image_folder_sources_skip_unwanted_frames(corpus: Corpus) -> None:
    demand = FrameDemand()
    demand.every = 2
    synthetic = SyntheticSource([Shot((), frames=10)], width=64, height=48, realtime=False)
    frames = list(synthetic.frames(threading.Event(), StateLog(), demand))
    assert [f.index for f in frames] == [1, 3, 5, 7, 9]
    folder = ImageFolderSource(corpus.root, realtime=False)
    every_other = list(folder.frames(threading.Event(), StateLog(), demand))
    assert [f.index for f in every_other[:3]] == [1, 3, 5]
    assert len(every_other) == len(folder.files()) // 2


def test_image_folder_in_name_order_skipping_unreadable_files(
    corpus: Corpus, tmp_path: Path
) -> None:
    for name, item in zip(("b.jpg", "a.jpg"), corpus.images[:2], strict=True):
        shutil.copy(item.path, tmp_path / name)
    (tmp_path / "c.png").write_bytes(b"not an image")
    (tmp_path / "notes.txt").write_text("ignored")
    source = ImageFolderSource(tmp_path, realtime=False)
    assert [p.name for p in source.files()] == ["a.jpg", "b.jpg", "c.png"]
    frames, _ = collect(source)
    assert len(frames) == 2
    assert frames[0].image.shape == (corpus.images[1].height, corpus.images[1].width, 3)


def test_missing_inputs_report_not_found(tmp_path: Path) -> None:
    for source in (
        VideoFileSource(tmp_path / "nope.avi"),
        ImageFolderSource(tmp_path / "nope"),
    ):
        log = StateLog()
        with pytest.raises(SourceError):
            list(source.frames(threading.Event(), log))
        assert log.sequence == [SourceState.STARTING, SourceState.NOT_FOUND]
    broken = tmp_path / "broken.avi"
    broken.write_bytes(b"\x00" * 64)
    log = StateLog()
    with pytest.raises(SourceError, match="cannot open"):
        list(VideoFileSource(broken).frames(threading.Event(), log))
    assert log.sequence[-1] is SourceState.FAILED


class FakeTime:
    """A clock plus a stop event whose waits advance the clock instead of blocking."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now


class ClockEvent(threading.Event):
    def __init__(self, clock: FakeTime) -> None:
        super().__init__()
        self.clock = clock

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.clock.waits.append(round(timeout, 6))
        self.clock.now += timeout
        return self.is_set()


def test_pacer_holds_frames_to_their_slot_and_does_not_burst_after_a_stall() -> None:
    clock = FakeTime()
    stop = ClockEvent(clock)
    pacer = Pacer(10.0, clock=clock)
    assert pacer.wait(0, stop)
    assert pacer.wait(1, stop)
    assert clock.waits == [0.1]
    clock.now += 1.0  # the producer stalled for 10 frame times
    assert pacer.wait(2, stop)
    assert pacer.wait(3, stop)  # next frame is one interval later, not immediately
    assert clock.waits == [0.1, 0.1]
    stop.set()
    assert not pacer.wait(4, stop)
    fast = Pacer(10.0, realtime=False, clock=clock)
    assert fast.wait(99, threading.Event())


def test_open_source_understands_every_spec(corpus: Corpus, tmp_path: Path) -> None:
    settings = ScanSettings(realtime=False)
    assert isinstance(open_source("0", settings), CameraSource)
    assert isinstance(open_source("/dev/video4", settings), CameraSource)
    assert isinstance(open_source(str(corpus.videos[0].path), settings), VideoFileSource)
    assert isinstance(open_source(str(corpus.root), settings), ImageFolderSource)
    passes = tmp_path / "passes.txt"
    passes.write_text("a\r\n\r\nb\n", encoding="utf-8")
    synthetic = open_source(f"synthetic:{passes}?size=320x240&fps=15&hold=2&gap=1&seed=3")
    assert isinstance(synthetic, SyntheticSource)
    assert (synthetic.width, synthetic.height, synthetic.fps) == (320, 240, 15)
    frames, _ = collect(open_source(f"synthetic:{passes}?size=320x240&hold=2&gap=1", settings))
    assert len(frames) == 6


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("-", "not a frame source"),
        ("", "not a frame source"),
        ("synthetic:", "needs a file"),
        ("synthetic:x.txt?colour=red", "unknown synthetic option"),
        ("synthetic:x.txt?size=big", "bad synthetic option"),
        ("synthetic:x.txt?effects=sepia", "unknown effect"),
        ("synthetic:x.txt?fps=0", "must be positive"),
    ],
)
def test_bad_specs_are_usage_errors(spec: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        open_source(spec)


def test_synthetic_pass_file_missing_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read pass file"):
        open_source(f"synthetic:{tmp_path / 'missing.txt'}")


def test_settings_validate_and_come_from_a_config() -> None:
    from types import SimpleNamespace

    from kiosk.scan.settings import Backend, settings_from_config

    with pytest.raises(ValueError, match="rearm"):
        ScanSettings(rearm_s=-1)
    config = SimpleNamespace(
        camera=SimpleNamespace(
            width=640, height=480, fps=15, backend="v4l2", read_timeout_seconds=1
        ),
        decoder=SimpleNamespace(
            backend="pyzbar", rearm_seconds=5, downscale_width=0, cascade_budget_ms=10
        ),
    )
    settings = settings_from_config(config)
    assert settings.backend is Backend.PYZBAR
    assert (settings.camera_width, settings.camera_fps, settings.camera_backend) == (
        640,
        15,
        "v4l2",
    )
    assert (settings.rearm_s, settings.downscale_width, settings.cascade_budget_ms) == (5, 0, 10)
    assert settings_from_config(config, backend="zxing").backend is Backend.ZXING
    assert settings_from_config(None) == ScanSettings()
