"""The frame-source interface shared by cameras, video files, image folders and synthetic feeds."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy.typing as npt

    Image = npt.NDArray[Any]


class SourceState(StrEnum):
    """What the UI shows about the frame source (camera status line)."""

    STARTING = "starting"
    LIVE = "live"
    NOT_FOUND = "not_found"  # no such device / file / folder
    BUSY = "busy"  # device exists but cannot be opened or delivers nothing (in use elsewhere)
    RECONNECTING = "reconnecting"  # was live, lost it (unplugged, hung), trying again
    STOPPED = "stopped"  # ended normally (stop requested or end of input)
    FAILED = "failed"  # gave up; detail says why


StateCallback = Callable[[SourceState, str], None]
"""Called with the new state and a short, human-readable detail (no personal data)."""


class SourceError(RuntimeError):
    """A source cannot deliver frames at all (e.g. file missing, camera never opened)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured image.

    image: BGR (H, W, 3) or grayscale (H, W) uint8 array.
    captured_at: `time.monotonic()` when the frame entered the kiosk (latency starts here).
    media_time: seconds on the stream's own timeline (capture time for cameras, index / fps
      for files); debouncing runs on it so a fast replay of a clip debounces like real time.
    index: frame number from the start of the stream.
    """

    image: Image
    captured_at: float
    media_time: float
    index: int


class FrameDemand:
    """Which frames the decoder wants: all of them, or every n-th while the scene is idle.

    The decode thread sets `every`; a source asks `wants()` once per frame it could deliver
    and, when the answer is no, skips the frame as cheaply as it can (a camera grabs without
    decompressing, a video reads the packet without decoding it) and moves on. Only the
    capture thread calls `wants()`; `every` is a plain int written by the decode thread.
    """

    def __init__(self) -> None:
        self.every = 1
        self.skipped = 0
        self._since = 0

    def wants(self) -> bool:
        self._since += 1
        if self._since >= self.every:
            self._since = 0
            return True
        self.skipped += 1
        return False


class FrameSource(Protocol):
    """Anything that yields frames until exhausted or asked to stop."""

    @property
    def realtime(self) -> bool:
        """True when frames arrive at wall-clock pace (stale frames may be dropped)."""

    def describe(self) -> str:
        """Short label for logs and the UI, e.g. "camera 0" or "video clip.avi"."""

    def frames(
        self,
        stop: threading.Event,
        report: StateCallback,
        demand: FrameDemand | None = None,
    ) -> Generator[Frame, None, None]:
        """Yield frames until the input ends or `stop` is set, reporting state changes.

        Frames `demand` does not want may be skipped; their index is still counted (None:
        every frame is wanted). Raises SourceError when the source cannot deliver anything.
        Must release any device when the iterator is closed or exhausted.
        """


def ignore_state(state: SourceState, detail: str) -> None:
    """A StateCallback that does nothing."""
