"""A live camera (index or /dev/videoN) with bounded reads, reconnect and observable state.

The device is owned by one reader thread that opens it, reads continuously and releases it
when told to stop. The consumer waits for each frame with a timeout, so a hung driver call
never hangs the kiosk: the stuck reader is abandoned (it releases the device if the call ever
returns) and a fresh one reopens the camera after a back-off.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.scan.frames import Frame, FrameDemand, SourceError, SourceState, StateCallback
from kiosk.scan.settings import ScanSettings

if TYPE_CHECKING:
    import numpy.typing as npt

    Image = npt.NDArray[Any]


class CaptureDevice(Protocol):
    """The calls we need from `cv2.VideoCapture` (a test double implements them too)."""

    def grab(self) -> bool:
        """Take the next frame off the device, without decompressing it."""
        ...

    def retrieve(self) -> tuple[bool, Image | None]:
        """Decompress the grabbed frame (skipped for frames nobody wants)."""
        ...

    def release(self) -> None: ...


class DeviceUnavailable(Exception):
    """Opening failed; `state` is NOT_FOUND or BUSY."""

    def __init__(self, state: SourceState, detail: str) -> None:
        super().__init__(detail)
        self.state = state
        self.detail = detail


DeviceOpener = Callable[[], CaptureDevice]


def parse_camera_target(spec: str) -> int | str | None:
    """ "0" -> 0, "/dev/video2" -> "/dev/video2"; anything else -> None."""
    if spec.isdigit():
        return int(spec)
    if spec.startswith("/dev/video"):
        return spec
    return None


def opencv_opener(target: int | str, settings: ScanSettings) -> DeviceOpener:
    """An opener for `cv2.VideoCapture` with the requested format and capture API."""

    def open_device() -> CaptureDevice:
        import cv2

        path = f"/dev/video{target}" if isinstance(target, int) else target
        if sys.platform.startswith("linux") and not os.path.exists(path):
            raise DeviceUnavailable(SourceState.NOT_FOUND, f"{path} not present")
        api = getattr(cv2, f"CAP_{settings.camera_backend.upper()}", cv2.CAP_ANY)
        capture: Any = cv2.VideoCapture(target, api)
        if not capture.isOpened():
            capture.release()
            state = SourceState.BUSY if os.path.exists(path) else SourceState.NOT_FOUND
            raise DeviceUnavailable(state, f"cannot open {path}")
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        if settings.camera_width and settings.camera_height:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, settings.camera_width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, settings.camera_height)
        if settings.camera_fps:
            capture.set(cv2.CAP_PROP_FPS, settings.camera_fps)
        device: CaptureDevice = capture
        return device

    return open_device


@dataclass(frozen=True, slots=True)
class _Opened:
    pass


@dataclass(frozen=True, slots=True)
class _Failed:
    state: SourceState
    detail: str


_Item = _Opened | _Failed | Frame


class _DeviceSession:
    """One open-read-release cycle, run in its own daemon thread."""

    def __init__(
        self,
        opener: DeviceOpener,
        clock: Callable[[], float],
        first_index: int,
        demand: FrameDemand,
    ) -> None:
        self._opener = opener
        self._clock = clock
        self._index = first_index
        self._demand = demand
        self._quit = threading.Event()
        self.items: queue.Queue[_Item] = queue.Queue(maxsize=2)
        self.released = threading.Event()
        self._thread = threading.Thread(target=self._run, name="camera-reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _put(self, item: _Item) -> None:
        """Hand an item over; waits while the consumer is busy (the pipeline drops stale
        frames itself), gives up when asked to quit."""
        while not self._quit.is_set():
            try:
                self.items.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            device = self._opener()
        except DeviceUnavailable as exc:
            self._put(_Failed(exc.state, exc.detail))
            self.released.set()
            return
        except Exception as exc:
            self._put(_Failed(SourceState.BUSY, f"open failed: {type(exc).__name__}: {exc}"))
            self.released.set()
            return
        try:
            self._put(_Opened())
            while not self._quit.is_set():
                try:
                    ok = device.grab()
                    wanted = ok and self._demand.wants()
                    image = device.retrieve()[1] if wanted else None
                except Exception as exc:
                    self._put(_Failed(SourceState.RECONNECTING, f"read error: {exc}"))
                    return
                if not ok or (wanted and image is None):
                    self._put(_Failed(SourceState.RECONNECTING, "camera delivered no frame"))
                    return
                if image is not None:
                    now = self._clock()
                    self._put(Frame(image, now, now, self._index))
                self._index += 1
        finally:
            try:
                device.release()
            finally:
                self.released.set()

    def close(self, wait_s: float) -> None:
        """Ask the reader to stop and wait (bounded) for it to release the device."""
        self._quit.set()
        self._thread.join(timeout=wait_s)


class CameraSource:
    """A live camera. Retries forever with back-off unless `fail_fast` and never opened.

    States: STARTING -> LIVE; NOT_FOUND / BUSY while it cannot be opened; RECONNECTING when a
    live camera stops delivering (unplugged, hung read); STOPPED on stop; FAILED when
    `fail_fast` gives up (then SourceError is raised).
    """

    def __init__(
        self,
        opener: DeviceOpener,
        *,
        label: str = "camera",
        settings: ScanSettings | None = None,
        fail_fast: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._opener = opener
        self.label = label
        self.settings = settings or ScanSettings()
        self.fail_fast = fail_fast
        self._clock = clock
        self.sessions = 0
        self._last_session: _DeviceSession | None = None

    @classmethod
    def open(
        cls, spec: str, settings: ScanSettings | None = None, *, fail_fast: bool = False
    ) -> CameraSource:
        """A camera from a spec: "0" (index) or "/dev/videoN"."""
        settings = settings or ScanSettings()
        target = parse_camera_target(spec)
        if target is None:
            raise ValueError(f"not a camera: {spec!r}")
        return cls(
            opencv_opener(target, settings),
            label=f"camera {spec}",
            settings=settings,
            fail_fast=fail_fast,
        )

    @property
    def realtime(self) -> bool:
        return True

    def describe(self) -> str:
        return self.label

    @property
    def released(self) -> bool:
        """True when the last device session has released its device (or never opened one)."""
        return self._last_session is None or self._last_session.released.is_set()

    def frames(
        self,
        stop: threading.Event,
        report: StateCallback,
        demand: FrameDemand | None = None,
    ) -> Generator[Frame, None, None]:
        demand = demand or FrameDemand()
        settings = self.settings
        timeout = settings.camera_read_timeout_s
        backoff = settings.reconnect_initial_s
        ever_live = False
        next_index = 0
        last: tuple[SourceState, str] | None = None

        def tell(state: SourceState, detail: str) -> None:
            nonlocal last
            if last is None or last[0] is not state:
                report(state, detail)
            last = (state, detail)

        tell(SourceState.STARTING, self.label)
        while not stop.is_set():
            session = _DeviceSession(self._opener, self._clock, next_index, demand)
            self._last_session = session
            self.sessions += 1
            session.start()
            failure: _Failed | None = None
            opened = delivered = False
            try:
                while not stop.is_set():
                    try:
                        item = session.items.get(timeout=timeout)
                    except queue.Empty:
                        failure = (
                            _Failed(SourceState.RECONNECTING, f"no frame for {timeout:g} s")
                            if opened
                            else _Failed(SourceState.BUSY, f"did not open within {timeout:g} s")
                        )
                        break
                    if isinstance(item, _Failed):
                        failure = item
                        break
                    if isinstance(item, _Opened):
                        opened = True
                        continue
                    if not ever_live or last is None or last[0] is not SourceState.LIVE:
                        tell(SourceState.LIVE, self.label)
                    ever_live = delivered = True
                    backoff = settings.reconnect_initial_s
                    next_index = item.index + 1
                    yield item
            finally:
                session.close(wait_s=min(timeout, 1.0))
            if failure is None:
                break
            if not ever_live and self.fail_fast:
                tell(SourceState.FAILED, failure.detail)
                raise SourceError(f"{self.label}: {failure.detail}")
            state = failure.state
            if state is SourceState.RECONNECTING and not delivered:
                state = SourceState.BUSY
            tell(state, f"{failure.detail}; retrying in {backoff:g} s")
            if stop.wait(backoff):
                break
            backoff = min(backoff * 2, settings.reconnect_max_s)
        tell(SourceState.STOPPED, "stop requested")

    def __enter__(self) -> CameraSource:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
