"""Per-frame decode strategy: grayscale, cheap downscaled pass, full resolution, bounded cascade.

Which frames get this strategy at all is `kiosk.scan.idle`'s job: a still, empty scene is
watched for change instead of being decoded again and again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiosk.scan.decoders import Decoder, make_decoder
from kiosk.scan.settings import ScanSettings

if TYPE_CHECKING:
    import numpy.typing as npt

    Image = npt.NDArray[Any]

Step = Callable[["Image"], list[str]]


def to_gray(image: Image) -> Image:
    """BGR, BGRA or grayscale uint8 -> contiguous grayscale uint8."""
    import cv2
    import numpy as np

    if image.ndim == 2:
        return np.ascontiguousarray(image)
    channels = image.shape[2]
    if channels == 1:
        return np.ascontiguousarray(image[:, :, 0])
    code = cv2.COLOR_BGRA2GRAY if channels == 4 else cv2.COLOR_BGR2GRAY
    gray: Image = cv2.cvtColor(image, code)
    return gray


def resize(gray: Image, factor: float) -> Image:
    """Scale an image by `factor` (area filter when shrinking, cubic when enlarging)."""
    import cv2

    height, width = gray.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    out: Image = cv2.resize(gray, size, interpolation=interpolation)
    return out


def sharpen(gray: Image) -> Image:
    """Unsharp mask: recovers slightly blurred module edges."""
    import cv2

    blurred = cv2.GaussianBlur(gray, (0, 0), 2.0)
    out: Image = cv2.addWeighted(gray, 1.8, blurred, -0.8, 0)
    return out


@dataclass(slots=True)
class DecodeOutcome:
    """What one frame yielded and which step found it (for stats and the benchmark)."""

    payloads: list[str]
    step: str  # "downscaled", "downscaled+full", "beside", "full", a cascade step, or "none"
    elapsed_ms: float


class FrameDecoder:
    """Decodes one frame with a fixed, cheap-first strategy.

    1. Frames wider than `downscale_width` are shrunk to that width and decoded (cheap).
       When that finds a code, the full-resolution frame is decoded too: a large code found
       on the small copy must not hide a small code beside it (two people, two phones). The
       pipeline splits this step (`beside=False`, then `decode_beside`) so that the large
       code is decided before the look beside it.
    2. Nothing found -> the full-resolution frame (small codes need it).
    3. Still nothing -> a recovery cascade (other binarizers, sharpened, half-size, 1.5x),
       each step started only while the time budget lasts.

    `cascade_share` (live sources) also bounds the cascade over time: it may use at most that
    fraction of wall-clock time on average (a credit that refills as time passes), so a scene
    in motion without a code does not spend a whole core on recovery attempts; a code held in
    view still gets a recovery attempt every few frames. None = no such limit.
    """

    def __init__(
        self,
        reader: Decoder,
        *,
        downscale_width: int = 640,
        cascade_budget_ms: float = 30.0,
        cascade_share: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if cascade_share is not None and not 0 < cascade_share <= 1:
            raise ValueError("cascade_share must be in (0, 1]")
        self.reader = reader
        self.downscale_width = downscale_width
        self.cascade_budget_ms = cascade_budget_ms
        self.cascade_share = cascade_share
        self._clock = clock
        self._credit_s = cascade_budget_ms / 1000.0
        self._last_scan: float | None = None
        self._cascade: list[tuple[str, Step]] = self._build_cascade(reader)

    @staticmethod
    def _build_cascade(reader: Decoder) -> list[tuple[str, Step]]:
        steps: list[tuple[str, Step]] = [(alt.name, alt.decode) for alt in reader.alternates()]
        steps.append(("sharpened", lambda g: reader.decode(sharpen(g))))
        steps.append(("half", lambda g: reader.decode(resize(g, 0.5))))
        steps.append(("x1.5", lambda g: reader.decode(resize(g, 1.5))))
        return steps

    def decode_image(self, image: Image) -> DecodeOutcome:
        """Convert to grayscale and decode."""
        return self.decode(to_gray(image))

    def decode(self, gray: Image, *, recover: bool = True, beside: bool = True) -> DecodeOutcome:
        """Decode a grayscale frame.

        recover=False stops before the recovery cascade (a periodic look at a still scene
        that already had it). beside=False returns as soon as the downscaled pass finds a
        code (step "downscaled"): the caller decides those first and looks beside them with
        `decode_beside` when it chooses to.
        """
        start = self._clock()

        def done(payloads: list[str], step: str) -> DecodeOutcome:
            return DecodeOutcome(payloads, step, (self._clock() - start) * 1000.0)

        width = gray.shape[1]
        if self.downscale_width and width > self.downscale_width * 1.25:
            found = self.reader.decode(resize(gray, self.downscale_width / width))
            if found and not beside:
                return done(found, "downscaled")
            if found:
                also = self.reader.decode(gray)
                return done(list(dict.fromkeys(found + also)), "downscaled+full")
        found = self.reader.decode(gray)
        if found or not recover:
            return done(found, "full" if found else "none")
        found, step_name = self._recover(gray, start)
        return done(found, step_name)

    def decode_beside(self, gray: Image, known: list[str]) -> DecodeOutcome:
        """The full-resolution pass after a downscaled hit: codes other than `known` (a small
        code beside a large one)."""
        start = self._clock()
        found = [payload for payload in self.reader.decode(gray) if payload not in known]
        return DecodeOutcome(found, "beside", (self._clock() - start) * 1000.0)

    def _recover(self, gray: Image, frame_start: float) -> tuple[list[str], str]:
        budget_s = self.cascade_budget_ms / 1000.0
        cascade_start = self._clock()
        deadline = frame_start + budget_s
        if self.cascade_share is not None:
            if self._last_scan is not None:
                earned = (frame_start - self._last_scan) * self.cascade_share
                self._credit_s = min(budget_s, self._credit_s + earned)
            self._last_scan = frame_start
            deadline = min(deadline, cascade_start + self._credit_s)
        try:
            for name, step in self._cascade:
                if self._clock() >= deadline:
                    break
                found = step(gray)
                if found:
                    return found, name
            return [], "none"
        finally:
            if self.cascade_share is not None:
                self._credit_s -= self._clock() - cascade_start


def build_frame_decoder(settings: ScanSettings, *, live: bool = True) -> FrameDecoder:
    """FrameDecoder configured from a ScanSettings; `live` applies the cascade time share."""
    return FrameDecoder(
        make_decoder(settings.backend),
        downscale_width=settings.downscale_width,
        cascade_budget_ms=settings.cascade_budget_ms,
        cascade_share=settings.cascade_share if live else None,
    )
