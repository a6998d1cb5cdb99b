"""Stored input played as a camera: a video file or a folder of images."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.scan.frames import Frame, FrameDemand, SourceError, SourceState, StateCallback
from kiosk.scan.pacing import Pacer

if TYPE_CHECKING:
    import numpy.typing as npt

    Image = npt.NDArray[Any]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm"})


class VideoFileSource:
    """Frames of a video file (anything `cv2.VideoCapture` reads), paced to the clip's fps.

    An MJPG clip (what USB cameras send) is read packet by packet and each JPEG is decoded
    straight to grayscale, the only form the decoder uses: cheaper than a colour decode plus a
    conversion, and a frame the decoder does not want is not decompressed at all. Other
    codecs are decoded to BGR by OpenCV (`gray_jpeg=False` forces that path for MJPG too).
    `loop` plays the clip again and again (a camera that never ends: soak benchmarks).
    """

    def __init__(
        self,
        path: Path,
        *,
        realtime: bool = True,
        fallback_fps: float = 30.0,
        gray_jpeg: bool = True,
        loop: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self._realtime = realtime
        self._fallback_fps = fallback_fps
        self._gray_jpeg = gray_jpeg
        self._loop = loop
        self._clock = clock

    @property
    def realtime(self) -> bool:
        return self._realtime

    def describe(self) -> str:
        return f"video {self.path.name}"

    def frames(
        self,
        stop: threading.Event,
        report: StateCallback,
        demand: FrameDemand | None = None,
    ) -> Generator[Frame, None, None]:
        import cv2

        demand = demand or FrameDemand()
        report(SourceState.STARTING, self.describe())
        if not self.path.is_file():
            report(SourceState.NOT_FOUND, f"{self.path} does not exist")
            raise SourceError(f"video file not found: {self.path}")
        pacer: Pacer | None = None
        index = 0
        while True:
            capture: Any = cv2.VideoCapture(str(self.path))
            try:
                if not capture.isOpened():
                    report(SourceState.FAILED, f"cannot open {self.path.name}")
                    raise SourceError(f"cannot open video file: {self.path}")
                if pacer is None:
                    fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
                    if not 1.0 <= fps <= 240.0:
                        fps = self._fallback_fps
                    pacer = Pacer(fps, realtime=self._realtime, clock=self._clock)
                    report(SourceState.LIVE, self.describe())
                packets = self._gray_jpeg and _read_jpeg_packets(capture)
                first = index
                while pacer.wait(index, stop) and capture.grab():
                    if demand.wants():
                        image = _retrieve(capture, packets)
                        if image is not None:  # a damaged frame is skipped like a dropped one
                            yield Frame(image, self._clock(), index / pacer.fps, index)
                    index += 1
            finally:
                capture.release()
            if not self._loop or stop.is_set() or index == first:
                break
        report(SourceState.STOPPED, "stop requested" if stop.is_set() else "end of input")

    def __enter__(self) -> VideoFileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _retrieve(capture: Any, packets: bool) -> Image | None:
    """The grabbed frame: grayscale from its JPEG packet, or what OpenCV decodes."""
    import cv2

    ok, image = capture.retrieve()
    if not ok or image is None:
        return None
    if packets:
        gray: Image | None = cv2.imdecode(image, cv2.IMREAD_GRAYSCALE)
        return gray
    decoded: Image = image
    return decoded


def _read_jpeg_packets(capture: Any) -> bool:
    """Switch an MJPG capture to delivering the compressed packets; True when it did."""
    import cv2

    fourcc = int(capture.get(cv2.CAP_PROP_FOURCC) or 0)
    codec = "".join(chr((fourcc >> shift) & 0xFF) for shift in (0, 8, 16, 24))
    if codec.upper() != "MJPG":
        return False
    return bool(capture.set(cv2.CAP_PROP_FORMAT, -1))


class ImageFolderSource:
    """Every image file of a folder, in name order, as frames at `fps`."""

    def __init__(
        self,
        folder: Path,
        *,
        fps: float = 30.0,
        realtime: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = Path(folder)
        self.fps = fps
        self._realtime = realtime
        self._clock = clock

    @property
    def realtime(self) -> bool:
        return self._realtime

    def describe(self) -> str:
        return f"images {self.folder.name}"

    def files(self) -> list[Path]:
        return sorted(
            p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        )

    def frames(
        self,
        stop: threading.Event,
        report: StateCallback,
        demand: FrameDemand | None = None,
    ) -> Generator[Frame, None, None]:
        import cv2

        demand = demand or FrameDemand()
        report(SourceState.STARTING, self.describe())
        if not self.folder.is_dir():
            report(SourceState.NOT_FOUND, f"{self.folder} is not a folder")
            raise SourceError(f"image folder not found: {self.folder}")
        pacer = Pacer(self.fps, realtime=self._realtime, clock=self._clock)
        report(SourceState.LIVE, self.describe())
        index = 0
        for path in self.files():
            if not pacer.wait(index, stop):
                break
            if not demand.wants():
                index += 1
                continue
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:  # unreadable file: skip it, keep going
                continue
            yield Frame(image, self._clock(), index / self.fps, index)
            index += 1
        report(SourceState.STOPPED, "stop requested" if stop.is_set() else "end of input")

    def __enter__(self) -> ImageFolderSource:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
