"""CPU time per unit of work, a Raspberry Pi estimate, and targets in one shape.

CPU time (not wall time) is what predicts a Pi: it does not inflate when other processes
share the machine, and CPU quotas are not enforced here (FIELD-NOTES), so a throttled run
would not show a Pi's speed anyway.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

from kiosk.scan.frames import Frame, FrameDemand, FrameSource, StateCallback

PI_FACTOR = 3.5
"""A Raspberry Pi 4 core is roughly 3-4x slower than one core of this machine (FIELD-NOTES,
"Raspberry Pi"); the midpoint is used for every Pi estimate."""
PI_NOTE = f"Pi 4 estimate = CPU time here x {PI_FACTOR} (a Pi 4 core is ~3-4x slower)"


def process_cpu_s() -> float:
    """User + system CPU seconds of this process, all threads."""
    times = os.times()
    return times.user + times.system


def peak_rss_mb() -> float:
    """This process's peak RSS since it started (VmHWM, MB). Not getrusage's ru_maxrss: Linux
    carries that over from the parent across fork and exec, so a child started by `make
    bench` would report the benchmark parent's size as its own peak."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024, 1)


def target(value: float, limit: float, unit: str, *, at_least: bool = False) -> dict[str, Any]:
    """A measured figure with its target and whether it is met."""
    met = value >= limit if at_least else value <= limit
    return {
        "value": value,
        "target": f"{'>=' if at_least else '<='} {limit:g} {unit}".strip(),
        "met": met,
    }


def pi_estimate(cpu_ms_per_frame: float, fps: float = 30.0) -> dict[str, float]:
    """What a figure measured here means on a Pi 4: ms per frame and the share of one core."""
    pi_ms = cpu_ms_per_frame * PI_FACTOR
    return {"cpu_ms_per_frame": round(pi_ms, 2), "share_of_one_core": round(pi_ms * fps / 1000, 3)}


def thread_cpu_s(name: str) -> float:
    """CPU seconds of this process's live thread called `name` (kernel ticks: ~10 ms steps)."""
    import psutil

    ids = {t.native_id for t in threading.enumerate() if t.name == name}
    return float(
        sum(t.user_time + t.system_time for t in psutil.Process().threads() if t.id in ids)
    )


class MeteredSource:
    """Wraps a frame source: stops after `limit` frames (counted by index, skipped ones too)
    and records the capture thread's CPU time (reading and decompressing frames)."""

    def __init__(self, inner: FrameSource, limit: int | None = None) -> None:
        self.inner = inner
        self.limit = limit
        self.capture_cpu_s = 0.0
        self.frames_seen = 0

    @property
    def realtime(self) -> bool:
        return self.inner.realtime

    def describe(self) -> str:
        return self.inner.describe()

    def frames(
        self, stop: threading.Event, report: StateCallback, demand: FrameDemand | None = None
    ) -> Generator[Frame, None, None]:
        started = time.thread_time()
        inner = self.inner.frames(stop, report, demand)
        try:
            for frame in inner:
                self.frames_seen = frame.index + 1
                if self.limit is not None and frame.index >= self.limit:
                    return
                yield frame
        finally:
            inner.close()
            self.capture_cpu_s = time.thread_time() - started


class DecodeThreadClock:
    """`on_finished` for a pipeline: the decode thread's total CPU time, read on that thread."""

    def __init__(self) -> None:
        self.cpu_s = 0.0

    def __call__(self) -> None:
        self.cpu_s = time.thread_time()
