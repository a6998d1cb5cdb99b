"""A scripted capture *device* for camera tests (this machine has no camera).

Only the device is simulated: CameraSource, its reader thread, timeouts, back-off and the
pipeline around it are the real code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from kiosk.scan.camera import CaptureDevice, DeviceUnavailable
from kiosk.scan.frames import SourceState


@dataclass
class Script:
    """What one opened device does: deliver `frames`, then end as `then` says.

    then: "raise" (read raises, like an unplugged USB camera), "empty" (read returns False),
    "hang" (read blocks until `unblock` is set), "loop" (keep delivering the last frame).
    """

    frames: list[np.ndarray]
    then: str = "raise"
    unblock: threading.Event = field(default_factory=threading.Event)


class FakeDevice:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.position = 0
        self.released = threading.Event()
        self.reads = 0
        self.grabbed: np.ndarray | None = None
        self.retrieves = 0  # frames decompressed (skipped frames are only grabbed)

    def read(self) -> tuple[bool, np.ndarray | None]:
        self.reads += 1
        if self.released.is_set():
            return False, None
        if self.position < len(self.script.frames):
            frame = self.script.frames[self.position]
            self.position += 1
            return True, frame
        if self.script.then == "raise":
            raise OSError("device unplugged")
        if self.script.then == "hang":
            self.script.unblock.wait(timeout=30)
            return False, None
        if self.script.then == "loop" and self.script.frames:
            return True, self.script.frames[-1]
        return False, None

    def grab(self) -> bool:
        ok, self.grabbed = self.read()
        return ok

    def retrieve(self) -> tuple[bool, np.ndarray | None]:
        self.retrieves += 1
        return self.grabbed is not None, self.grabbed

    def release(self) -> None:
        self.released.set()


class ScriptedOpener:
    """Each call opens the next scripted device, or raises DeviceUnavailable for a state."""

    def __init__(self, steps: list[Script | SourceState], after: SourceState) -> None:
        self.steps = list(steps)
        self.after = after
        self.devices: list[FakeDevice] = []
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self) -> CaptureDevice:
        with self.lock:
            self.calls += 1
            step = self.steps.pop(0) if self.steps else self.after
        if isinstance(step, SourceState):
            raise DeviceUnavailable(step, f"scripted {step.value}")
        device = FakeDevice(step)
        with self.lock:
            self.devices.append(device)
        return device


class StateLog:
    """Thread-safe state recorder with bounded waits (no sleeps)."""

    def __init__(self) -> None:
        self.states: list[tuple[SourceState, str]] = []
        self._cond = threading.Condition()

    def __call__(self, state: SourceState, detail: str) -> None:
        with self._cond:
            self.states.append((state, detail))
            self._cond.notify_all()

    @property
    def sequence(self) -> list[SourceState]:
        with self._cond:
            return [state for state, _ in self.states]

    def wait_for(self, predicate: Callable[[list[SourceState]], bool], timeout: float = 10) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: predicate([s for s, _ in self.states]), timeout=timeout
            )
