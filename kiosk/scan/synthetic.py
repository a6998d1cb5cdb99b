"""A simulated camera: renders pass strings into frames (tests, benchmark and the demo)."""

from __future__ import annotations

import itertools
import queue
import random
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from kiosk.scan.frames import Frame, FrameDemand, SourceState, StateCallback
from kiosk.scan.pacing import Pacer
from kiosk.scan.render import CodeSpec, Style, render_frame

EFFECTS: tuple[str, ...] = (
    "plain",
    "small",
    "rotate",
    "perspective",
    "blur",
    "motion",
    "noise",
    "glare",
    "inverted",
    "dark",
)
"""Named looks a synthetic shot can take; `random_look` draws its parameters."""


@dataclass(frozen=True, slots=True)
class Shot:
    """`frames` identical frames showing `codes` (none = an empty scene)."""

    codes: tuple[CodeSpec, ...] = ()
    style: Style = field(default_factory=Style)
    frames: int = 1
    seed: int = 0


def random_look(
    payload: str, effect: str, rng: random.Random, *, height: int = 720
) -> tuple[CodeSpec, Style]:
    """A code and frame style for `effect`, with parameters drawn from `rng`.

    Sizes are in pixels per QR module and scale with the frame height so a 640x480 frame and a
    1280x720 frame get comparable difficulty. The ranges are set to what a phone held towards a
    kiosk camera at 0.3-0.6 m looks like.
    """
    if effect not in EFFECTS:
        raise ValueError(f"unknown effect {effect!r}; choose from {', '.join(EFFECTS)}")
    unit = height / 720.0
    spec = CodeSpec(
        payload,
        module_px=rng.uniform(3.6, 5.5) * unit,
        center=(rng.uniform(0.42, 0.58), rng.uniform(0.45, 0.55)),
        rotation=rng.uniform(-12, 12),
        tilt=rng.uniform(0, 10),
        tilt_axis=rng.uniform(0, 180),
    )
    style = Style(noise=rng.uniform(2, 5), jpeg=rng.choice((0, 85, 92)))
    if effect == "small":
        spec = replace(spec, module_px=rng.uniform(1.9, 2.4) * max(unit, 1.0))
    elif effect == "rotate":
        spec = replace(spec, rotation=rng.uniform(-180, 180))
    elif effect == "perspective":
        spec = replace(spec, tilt=rng.uniform(32, 48))
    elif effect == "blur":
        style = replace(style, blur=rng.uniform(1.4, 2.0) * unit)
    elif effect == "motion":
        style = replace(
            style, motion=round(rng.uniform(4.5, 7.5) * unit), motion_angle=rng.uniform(-30, 30)
        )
    elif effect == "noise":
        style = replace(style, noise=rng.uniform(14, 22))
    elif effect == "glare":
        cx, cy = spec.center
        style = replace(
            style,
            glare=rng.uniform(130, 190),
            glare_center=(cx + rng.uniform(-0.08, 0.08), cy + rng.uniform(-0.1, 0.1)),
            glare_radius=rng.uniform(0.06, 0.1),
        )
    elif effect == "inverted":
        spec = replace(spec, inverted=True)
    elif effect == "dark":
        style = replace(style, brightness=rng.uniform(0.2, 0.3), contrast=0.7, noise=6.0)
    return spec, style


def shots_for_passes(
    passes: Iterable[str],
    *,
    hold_frames: int = 15,
    gap_frames: int = 8,
    effects: Sequence[str] = EFFECTS,
    seed: int = 0,
    height: int = 720,
) -> Iterator[Shot]:
    """Each pass held in view for `hold_frames`, then `gap_frames` of an empty scene.

    Effects cycle through `effects` in order; their parameters are drawn from `seed`.
    Lazy, so `passes` may be an endless generator (the demo).
    """
    rng = random.Random(seed)
    for payload, effect in zip(passes, itertools.cycle(effects or ("plain",)), strict=False):
        spec, style = random_look(payload, effect, rng, height=height)
        yield Shot((spec,), style, hold_frames, rng.randrange(1 << 30))
        if gap_frames > 0:
            yield Shot((), Style(noise=3.0), gap_frames, rng.randrange(1 << 30))


class LiveFeed:
    """Passes pushed at run time (demo, UI tests) shown to a simulated camera.

    `shots()` never blocks: while nothing is pending it yields short empty scenes, so the
    source keeps its frame rate and stops promptly. `close()` ends the stream.
    """

    def __init__(
        self,
        *,
        hold_frames: int = 15,
        idle_frames: int = 3,
        effects: Sequence[str] = ("plain",),
        seed: int = 0,
        height: int = 720,
    ) -> None:
        self.hold_frames = hold_frames
        self.idle_frames = idle_frames
        self.effects = tuple(effects) or ("plain",)
        self.height = height
        self._rng = random.Random(seed)
        self._pending: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._count = 0

    def push(self, payload: str) -> None:
        """Show this pass to the camera next."""
        self._pending.put(payload)

    def close(self) -> None:
        """End the stream once everything pushed so far has been shown."""
        self._pending.put(None)

    def shots(self) -> Iterator[Shot]:
        idle = Shot((), Style(noise=3.0), self.idle_frames, self._rng.randrange(1 << 30))
        while True:
            try:
                payload = self._pending.get_nowait()
            except queue.Empty:
                yield idle
                continue
            if payload is None:
                return
            effect = self.effects[self._count % len(self.effects)]
            self._count += 1
            spec, style = random_look(payload, effect, self._rng, height=self.height)
            yield Shot((spec,), style, self.hold_frames, self._rng.randrange(1 << 30))
            yield idle


class SyntheticSource:
    """Plays rendered shots as a camera would, at `fps` (or as fast as possible).

    Each shot is rendered once and repeated for its frame count, so rendering cost does not
    distort latency measurements. Deterministic for given shots.
    """

    def __init__(
        self,
        shots: Iterable[Shot],
        *,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        realtime: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._shots = shots
        self.width = width
        self.height = height
        self.fps = fps
        self._realtime = realtime
        self._clock = clock

    @classmethod
    def from_passes(
        cls,
        passes: Iterable[str],
        *,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        hold_frames: int = 15,
        gap_frames: int = 8,
        effects: Sequence[str] = EFFECTS,
        seed: int = 0,
        realtime: bool = True,
    ) -> SyntheticSource:
        """A camera feed showing each pass in turn (the demo feeds an endless generator)."""
        shots = shots_for_passes(
            passes,
            hold_frames=hold_frames,
            gap_frames=gap_frames,
            effects=effects,
            seed=seed,
            height=height,
        )
        return cls(shots, width=width, height=height, fps=fps, realtime=realtime)

    @property
    def realtime(self) -> bool:
        return self._realtime

    def describe(self) -> str:
        return f"synthetic {self.width}x{self.height}@{self.fps:g}"

    def frames(
        self,
        stop: threading.Event,
        report: StateCallback,
        demand: FrameDemand | None = None,
    ) -> Generator[Frame, None, None]:
        demand = demand or FrameDemand()
        report(SourceState.STARTING, self.describe())
        pacer = Pacer(self.fps, realtime=self._realtime, clock=self._clock)
        index = 0
        live = False
        previous: Shot | None = None
        image = None
        for shot in self._shots:
            if image is None or shot != previous:  # an idle scene repeats without re-rendering
                image = render_frame(
                    shot.codes,
                    width=self.width,
                    height=self.height,
                    style=shot.style,
                    seed=shot.seed,
                )
                image.setflags(write=False)
                previous = shot
            for _ in range(shot.frames):
                if not pacer.wait(index, stop):
                    report(SourceState.STOPPED, "stop requested")
                    return
                if not live:
                    report(SourceState.LIVE, self.describe())
                    live = True
                if demand.wants():
                    yield Frame(image, self._clock(), index / self.fps, index)
                index += 1
        report(SourceState.STOPPED, "end of input")

    def __enter__(self) -> SyntheticSource:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
