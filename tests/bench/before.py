"""The scan strategy as it was before issue 18, kept here as the benchmarks' same-run baseline.

- every frame decoded (no idle watching: `idle_settle_s = 0`),
- every frame decoded to colour by OpenCV, then converted to grey (`gray_jpeg=False`),
- a code found on the downscaled pass ended the frame (a small code beside it was missed).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.scan.frame_decoder import DecodeOutcome, FrameDecoder, resize
from kiosk.scan.media import VideoFileSource
from kiosk.scan.settings import ScanSettings

if TYPE_CHECKING:
    import numpy.typing as npt

    Image = npt.NDArray[Any]


class DecoderBefore(FrameDecoder):
    """FrameDecoder whose downscaled pass returns as soon as it finds anything."""

    def decode(self, gray: Image, *, recover: bool = True, beside: bool = True) -> DecodeOutcome:
        """Before issue 18 there was no look beside a code found on the downscaled pass."""
        start = self._clock()

        def done(payloads: list[str], step: str) -> DecodeOutcome:
            return DecodeOutcome(payloads, step, (self._clock() - start) * 1000.0)

        width = gray.shape[1]
        if self.downscale_width and width > self.downscale_width * 1.25:
            found = self.reader.decode(resize(gray, self.downscale_width / width))
            if found:
                return done(found, "downscaled")
        found = self.reader.decode(gray)
        if found or not recover:
            return done(found, "full" if found else "none")
        found, step_name = self._recover(gray, start)
        return done(found, step_name)


def settings_before(settings: ScanSettings) -> ScanSettings:
    return replace(settings, idle_settle_s=0.0)


def video_before(path: Path, *, realtime: bool = True, loop: bool = False) -> VideoFileSource:
    return VideoFileSource(path, realtime=realtime, loop=loop, gray_jpeg=False)
