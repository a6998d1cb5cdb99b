"""The synthetic renderer is deterministic and its shots replay as a source."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from kiosk.scan.frames import Frame, SourceState
from kiosk.scan.render import CodeSpec, Style, render_frame
from kiosk.scan.synthetic import EFFECTS, Shot, SyntheticSource, random_look, shots_for_passes


def test_same_seed_same_frame_other_seed_other_frame() -> None:
    spec = CodeSpec("hello", module_px=4, rotation=10, tilt=20)
    style = Style(noise=8, glare=100, blur=1.0, motion=5)
    one = render_frame([spec], width=320, height=240, style=style, seed=7)
    two = render_frame([spec], width=320, height=240, style=style, seed=7)
    three = render_frame([spec], width=320, height=240, style=style, seed=8)
    assert one.shape == (240, 320, 3)
    assert one.dtype == np.uint8
    assert np.array_equal(one, two)
    assert not np.array_equal(one, three)


def test_every_effect_has_a_look_and_unknown_effects_are_refused() -> None:
    import random

    rng = random.Random(1)
    for effect in EFFECTS:
        spec, _style = random_look("x", effect, rng)
        assert spec.payload == "x"
    assert random_look("x", "inverted", rng)[0].inverted
    with pytest.raises(ValueError, match="unknown effect"):
        random_look("x", "sepia", rng)


def test_source_plays_shots_in_order_with_media_time() -> None:
    shots = [Shot((), Style(), 3, 1), Shot((CodeSpec("a"),), Style(), 2, 2)]
    source = SyntheticSource(shots, width=160, height=120, fps=10, realtime=False)
    states: list[SourceState] = []
    frames: list[Frame] = list(source.frames(threading.Event(), lambda s, d: states.append(s)))
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    assert [f.media_time for f in frames] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert frames[0].image is frames[2].image  # a shot is rendered once
    assert states == [SourceState.STARTING, SourceState.LIVE, SourceState.STOPPED]


def test_shots_for_passes_is_lazy_and_alternates_code_and_gap() -> None:
    def endless() -> object:
        n = 0
        while True:
            n += 1
            yield f"pass-{n}"

    shots = shots_for_passes(endless(), hold_frames=4, gap_frames=2)  # type: ignore[arg-type]
    first = [next(shots) for _ in range(4)]
    assert [len(s.codes) for s in first] == [1, 0, 1, 0]
    assert [s.frames for s in first] == [4, 2, 4, 2]
    assert first[2].codes[0].payload == "pass-2"
