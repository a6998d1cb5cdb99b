"""Camera source: bounded reads, reconnect with back-off, observable state, release on exit."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest

from kiosk.scan.camera import CameraSource, opencv_opener, parse_camera_target
from kiosk.scan.frames import Frame, FrameDemand, SourceError, SourceState
from kiosk.scan.pipeline import ScanPipeline
from kiosk.scan.render import CodeSpec, render_frame
from kiosk.scan.settings import ScanSettings
from tests.passkit import PassKit
from tests.unit.kiosk.scan.conftest import RecordingSink
from tests.unit.kiosk.scan.fakecam import Script, ScriptedOpener, StateLog

FAST = ScanSettings(camera_read_timeout_s=0.3, reconnect_initial_s=0.01, reconnect_max_s=0.04)
S = SourceState


def blank(n: int) -> list[np.ndarray]:
    return [np.full((120, 160, 3), 128, np.uint8) for _ in range(n)]


def code_frames(payload: str, n: int) -> list[np.ndarray]:
    image = render_frame([CodeSpec(payload, module_px=4)], width=640, height=480, seed=3)
    return [image] * n


def take(source: CameraSource, count: int, log: StateLog) -> tuple[list[Frame], threading.Event]:
    stop = threading.Event()
    frames: list[Frame] = []
    generator = source.frames(stop, log)
    for frame in generator:
        frames.append(frame)
        if len(frames) == count:
            break
    generator.close()
    return frames, stop


def test_a_camera_grabs_without_decompressing_the_frames_its_demand_skips() -> None:
    opener = ScriptedOpener([Script(blank(9))], after=S.NOT_FOUND)
    demand = FrameDemand()
    demand.every = 3
    generator = CameraSource(opener, settings=FAST).frames(threading.Event(), StateLog(), demand)
    frames = [next(generator) for _ in range(3)]
    generator.close()
    assert [f.index for f in frames] == [2, 5, 8]
    assert opener.devices[0].retrieves == 3
    assert demand.skipped == 6


def test_parse_camera_target() -> None:
    assert parse_camera_target("0") == 0
    assert parse_camera_target("12") == 12
    assert parse_camera_target("/dev/video2") == "/dev/video2"
    assert parse_camera_target("clip.avi") is None


def test_live_frames_have_increasing_index_and_capture_time() -> None:
    opener = ScriptedOpener([Script(blank(5))], after=S.NOT_FOUND)
    log = StateLog()
    frames, _ = take(CameraSource(opener, settings=FAST), 5, log)
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    assert all(b.captured_at >= a.captured_at for a, b in itertools.pairwise(frames))
    assert log.sequence[:2] == [S.STARTING, S.LIVE]
    assert opener.devices[0].released.wait(2)


def test_unplugged_camera_reconnects_and_continues() -> None:
    opener = ScriptedOpener(
        [Script(blank(3), then="raise"), S.NOT_FOUND, S.NOT_FOUND, Script(blank(3), "loop")],
        after=S.NOT_FOUND,
    )
    log = StateLog()
    frames, _ = take(CameraSource(opener, settings=FAST), 6, log)
    assert len(frames) == 6
    assert [f.index for f in frames] == list(range(6))
    assert log.sequence == [S.STARTING, S.LIVE, S.RECONNECTING, S.NOT_FOUND, S.LIVE]
    assert "retrying" in log.states[3][1]
    assert all(device.released.wait(2) for device in opener.devices)


def test_hung_read_is_abandoned_after_the_timeout() -> None:
    hang = Script(blank(2), then="hang")
    opener = ScriptedOpener([hang, Script(blank(2), "loop")], after=S.NOT_FOUND)
    log = StateLog()
    try:
        frames, _ = take(CameraSource(opener, settings=FAST), 4, log)
        assert len(frames) == 4
        assert log.sequence == [S.STARTING, S.LIVE, S.RECONNECTING, S.LIVE]
        assert "no frame for 0.3 s" in log.states[2][1]
        assert not opener.devices[0].released.is_set()  # still stuck inside read()
    finally:
        hang.unblock.set()
    assert opener.devices[0].released.wait(2)  # released as soon as the driver returns


def test_a_camera_that_never_opens_retries_or_fails_fast() -> None:
    opener = ScriptedOpener([S.BUSY, S.BUSY], after=S.NOT_FOUND)
    log = StateLog()
    source = CameraSource(opener, settings=FAST)
    stop = threading.Event()
    generator = source.frames(stop, log)
    worker = threading.Thread(target=lambda: list(generator))
    worker.start()
    assert log.wait_for(lambda seq: S.NOT_FOUND in seq)
    stop.set()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert log.sequence == [S.STARTING, S.BUSY, S.NOT_FOUND, S.STOPPED]
    assert opener.calls >= 3

    failing = CameraSource(ScriptedOpener([], after=S.NOT_FOUND), settings=FAST, fail_fast=True)
    log = StateLog()
    with pytest.raises(SourceError, match="scripted not_found"):
        list(failing.frames(threading.Event(), log))
    assert log.sequence == [S.STARTING, S.FAILED]


def test_a_device_that_opens_but_never_delivers_is_busy() -> None:
    stuck = Script([], then="hang")
    opener = ScriptedOpener([stuck], after=S.BUSY)
    log = StateLog()
    source = CameraSource(opener, settings=FAST, fail_fast=True)
    try:
        with pytest.raises(SourceError):
            list(source.frames(threading.Event(), log))
    finally:
        stuck.unblock.set()
    assert log.sequence == [S.STARTING, S.FAILED]


def test_missing_real_device_is_not_found() -> None:
    source = CameraSource.open("/dev/video97", FAST, fail_fast=True)
    log = StateLog()
    with pytest.raises(SourceError, match="not present"):
        list(source.frames(threading.Event(), log))
    assert log.sequence == [S.STARTING, S.FAILED]
    opener = opencv_opener(97, FAST)
    with pytest.raises(Exception, match="/dev/video97"):
        opener()


def test_pipeline_survives_camera_failure_and_recovers(kit: PassKit) -> None:
    """Mid-stream failure: visible state, recovery, both registrants decided, camera released."""
    first, second = kit.sign(), kit.sign()
    opener = ScriptedOpener(
        [
            Script(code_frames(first, 5), "raise"),
            S.NOT_FOUND,
            Script(code_frames(second, 5), "loop"),
        ],
        after=S.NOT_FOUND,
    )
    sink = RecordingSink()
    log = StateLog()
    pipeline = ScanPipeline(CameraSource(opener, settings=FAST), sink, settings=FAST, on_state=log)
    with pipeline:
        assert log.wait_for(lambda seq: seq.count(S.LIVE) == 2)
        for _ in range(200):  # bounded polling for the second decision
            if second in sink.payloads:
                break
            sink.event.wait(0.05)
            sink.event.clear()
    assert not pipeline.running
    assert sink.payloads == [first, second]
    assert log.sequence == [S.STARTING, S.LIVE, S.RECONNECTING, S.NOT_FOUND, S.LIVE, S.STOPPED]
    assert pipeline.error is None
    assert all(device.released.wait(2) for device in opener.devices)
    assert CameraSource(opener).released
