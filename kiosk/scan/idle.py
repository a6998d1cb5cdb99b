"""Spend on codes, not on empty scenes: decide per frame whether it is worth decoding.

A gate camera looks at nobody most of the day. Decoding every frame of a still, empty scene
costs about a third of a core here (more than a whole Raspberry Pi core), so the decode thread
watches the scene instead:

- A frame is compared with the scene as it was at the last change, cell by cell (a grid of
  about 80 cells across). A phone entering view, a hand, a person walking by changes cells
  far above sensor noise; noise, JPEG shimmer and a global exposure shift do not (the median
  cell's difference is taken as the noise floor and subtracted).
- While the scene moves, or a code was seen within `settle_s`, every frame gets the full
  decode strategy (`FrameDecoder`), as before.
- Once the scene has been still for `settle_s` it is idle: a frame that has not changed is not
  decoded (only compared, ~0.5 ms), except one check every `refresh_s` without the recovery
  cascade; live sources are also asked for only every `idle_every`-th frame (they then skip
  decompressing the others). The first changed frame returns to full rate.

With `idle_every = 2` a code that appears while idle is decoded on the first or second frame
that shows it.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy.typing as npt

    Image = npt.NDArray[Any]

GRID_COLUMNS = 80
"""Cells across the frame: 16 px cells at 1280x720 (a QR pass there is 10+ cells wide)."""


class Plan(Enum):
    """What to do with one frame."""

    SKIP = "skip"  # still, empty scene: compared only
    CHECK = "check"  # still scene, periodic look: decode without the recovery cascade
    DECODE = "decode"  # the full strategy


class SceneChange:
    """Detects that a frame differs from a reference frame by more than sensor noise.

    The absolute difference of the two frames is averaged over cells; the frame has changed
    when some cell's mean difference exceeds the median cell's by `threshold` grey levels.
    """

    def __init__(self, threshold: float = 12.0, columns: int = GRID_COLUMNS) -> None:
        if threshold <= 0 or columns <= 0:
            raise ValueError("threshold and columns must be positive")
        self.threshold = threshold
        self.columns = columns

    def differs(self, gray: Image, reference: Image) -> bool:
        """True when `gray` differs from `reference` (same shape, uint8) beyond noise."""
        import cv2
        import numpy as np

        if gray.shape != reference.shape:
            return True
        height, width = gray.shape[:2]
        columns = min(self.columns, width)
        rows = max(1, round(height * columns / width))
        diff = cv2.absdiff(gray, reference)
        cells = cv2.resize(diff, (columns, rows), interpolation=cv2.INTER_AREA)
        return float(cells.max()) - float(np.median(cells)) > self.threshold


class IdleSchedule:
    """Decides, frame by frame, between full decoding and watching a still scene.

    Time is the frame's media time (capture time for cameras, index / fps for files), so a
    replay as fast as possible behaves as it would in real time. `settle_s = 0` turns the
    watch off: every frame is decoded (the strategy before idle watching existed).
    """

    def __init__(
        self,
        *,
        settle_s: float = 1.0,
        refresh_s: float = 1.0,
        idle_every: int = 2,
        change: SceneChange | None = None,
    ) -> None:
        if settle_s < 0 or refresh_s <= 0 or idle_every < 1:
            raise ValueError("settle_s >= 0, refresh_s > 0 and idle_every >= 1 required")
        self.settle_s = settle_s
        self.refresh_s = refresh_s
        self.idle_every = idle_every
        self.change = change or SceneChange()
        self._reference: Image | None = None
        self._last_activity: float | None = None  # last change or code sighting
        self._last_decode: float | None = None

    @property
    def enabled(self) -> bool:
        return self.settle_s > 0

    def idle_at(self, now: float) -> bool:
        """True when nothing moved and no code was seen for `settle_s` before `now`."""
        if not self.enabled or self._last_activity is None:
            return False
        return now - self._last_activity >= self.settle_s

    def every_at(self, now: float) -> int:
        """How many source frames make one wanted frame: `idle_every` while idle, else 1."""
        return self.idle_every if self.idle_at(now) else 1

    def plan(self, gray: Image, now: float) -> Plan:
        """Compare the frame with the scene and say what to do with it."""
        if not self.enabled:
            return Plan.DECODE
        if self._reference is None or self.change.differs(gray, self._reference):
            self._reference = gray.copy()  # the caller may reuse its buffer
            self._last_activity = now
            return Plan.DECODE
        if not self.idle_at(now):
            return Plan.DECODE
        if self._last_decode is None or now - self._last_decode >= self.refresh_s:
            return Plan.CHECK
        return Plan.SKIP

    def decoded(self, now: float, *, found: bool) -> None:
        """Record that a frame was decoded at `now` and whether it held a code."""
        self._last_decode = now
        if found:
            self._last_activity = now
