"""Idle watching: a still, empty scene is compared, not decoded; a code that enters it is
decided on the first or second frame that shows it (real MJPG clips through the real source,
decoder and check-in service)."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kiosk.checkins import CheckinService
from kiosk.models import CheckinResult, Method, Outcome
from kiosk.scan.decoders import ZxingDecoder
from kiosk.scan.frame_decoder import FrameDecoder, to_gray
from kiosk.scan.idle import IdleSchedule, Plan, SceneChange
from kiosk.scan.media import VideoFileSource
from kiosk.scan.pipeline import ScanPipeline
from kiosk.scan.render import CodeSpec
from kiosk.scan.settings import ScanSettings
from kiosk.scan.synthetic import random_look
from tests.corpus.scene import camera_frames, wall, with_codes, write_clip
from tests.passkit import PassKit
from tests.unit.kiosk.scan.conftest import CaptureTimes, IndexedSource

FPS = 30.0
EMPTY = 36  # the scene is idle from frame 30 (1 s still), so a code arrives while idle


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    return wall(1280, 720, seed=5)


def gray(image: np.ndarray) -> np.ndarray:
    return to_gray(image)


def test_sensor_noise_and_an_exposure_shift_are_not_a_change(scene: np.ndarray) -> None:
    change = SceneChange()
    first, *others = (gray(f) for f in camera_frames(scene, 12, seed=1))
    assert not any(change.differs(frame, first) for frame in others)
    brighter = np.clip(others[0].astype(int) + 12, 0, 255).astype(np.uint8)
    assert not change.differs(brighter, first)


@pytest.mark.parametrize("effect", ["plain", "small", "rotate", "perspective", "inverted"])
def test_a_code_entering_the_scene_is_a_change(
    scene: np.ndarray, kit: PassKit, effect: str
) -> None:
    spec, _style = random_look(kit.sign(), effect, random.Random(effect), height=720)
    reference, quiet = (gray(f) for f in camera_frames(scene, 2, seed=2))
    (code,) = (gray(f) for f in camera_frames(with_codes(scene, [spec]), 1, seed=3))
    assert SceneChange().differs(code, reference)
    assert not SceneChange().differs(quiet, reference)


def test_the_schedule_decodes_while_active_then_watches_a_still_scene(
    scene: np.ndarray,
) -> None:
    schedule = IdleSchedule(settle_s=1.0, refresh_s=0.5, idle_every=2)
    still = [gray(f) for f in camera_frames(scene, 4, seed=4)]
    plans = []
    for number in range(60):  # 2 s at 30 fps, nothing in view
        now = number / FPS
        plan = schedule.plan(still[number % 4], now)
        if plan is not Plan.SKIP:
            schedule.decoded(now, found=False)
        plans.append(plan)
    assert plans[:30] == [Plan.DECODE] * 30  # the first second: settling
    assert schedule.every_at(59 / FPS) == 2
    # the last decode was at frame 29; then one look every 0.5 s (15 frames), the rest skipped
    assert [n for n, plan in enumerate(plans) if plan is Plan.CHECK] == [45]
    assert plans[30:].count(Plan.SKIP) == 29
    hand = gray(next(camera_frames(with_codes(scene, [CodeSpec("hand", 6.0)]), 1)))
    assert schedule.plan(hand, 2.0) is Plan.DECODE
    assert schedule.every_at(2.0) == 1
    schedule.decoded(2.0, found=True)  # a code in view keeps it at full rate
    assert schedule.plan(hand, 2.9) is Plan.DECODE


def test_settle_zero_decodes_every_frame(scene: np.ndarray) -> None:
    schedule = IdleSchedule(settle_s=0)
    frame = gray(scene)
    for number in range(90):
        assert schedule.plan(frame, number / FPS) is Plan.DECODE
        schedule.decoded(number / FPS, found=False)
        assert schedule.every_at(number / FPS) == 1
    with pytest.raises(ValueError, match="idle_every"):
        IdleSchedule(idle_every=0)


@pytest.mark.parametrize("offset", [0, 1], ids=["even", "odd"])
@pytest.mark.parametrize("effect", ["plain", "small", "inverted"])
def test_a_code_entering_a_still_scene_is_decided_within_two_frames(
    scene: np.ndarray,
    kit: PassKit,
    service: CheckinService,
    tmp_path: Path,
    effect: str,
    offset: int,
) -> None:
    token = kit.sign()
    spec, _style = random_look(token, effect, random.Random(f"{effect}{offset}"), height=720)
    first_code = EMPTY + offset
    view = with_codes(scene, [spec])
    clip = tmp_path / "entering.avi"
    frames = [*camera_frames(scene, first_code, seed=10), *camera_frames(view, 6, seed=90)]
    write_clip(clip, iter(frames))
    readable = FrameDecoder(ZxingDecoder()).decode_image(frames[first_code])
    assert readable.payloads == [token]  # readable from its first frame on

    source = IndexedSource(VideoFileSource(clip, realtime=False))
    sink = CaptureTimes(service)
    results: list[CheckinResult] = []
    pipeline = ScanPipeline(
        source, sink, settings=ScanSettings(realtime=False), on_result=results.append
    )
    pipeline.start()
    assert pipeline.join(60)
    assert [r.outcome for r in results] == [Outcome.ACCEPTED]
    decided_on = source.index_at[sink.captured[0]]
    assert first_code <= decided_on <= first_code + 1
    stats = pipeline.snapshot()
    assert stats.frames_skipped > 0  # the scene was idle when the code came
    assert stats.frames_still > 0
    assert stats.frames_captured == len(frames)


def test_a_busy_scene_stays_at_full_rate(scene: np.ndarray, tmp_path: Path) -> None:
    """Something moving in every frame (a hand waving, people passing): never idle."""
    rng = np.random.default_rng(7)
    frames = []
    for number, image in enumerate(camera_frames(scene, 60, seed=20)):
        moved = image.copy()
        left = int(rng.integers(0, 1100))
        moved[200:400, left : left + 150] = (number * 40) % 255
        frames.append(moved)
    clip = tmp_path / "busy.avi"
    write_clip(clip, iter(frames))
    settings = replace(ScanSettings(realtime=False), rearm_s=0.0)
    pipeline = ScanPipeline(VideoFileSource(clip, realtime=False), _Nobody(), settings=settings)
    pipeline.start()
    assert pipeline.join(60)
    stats = pipeline.snapshot()
    assert (stats.frames_decoded, stats.frames_still, stats.frames_skipped) == (60, 0, 0)


class _Nobody:
    def submit(
        self, payload: str, method: Method, captured_at: float | None = None
    ) -> CheckinResult:
        raise AssertionError(f"no code is in this scene, yet {payload!r} was decided")
