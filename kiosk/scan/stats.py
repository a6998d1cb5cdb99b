"""Counters and timing windows of a running pipeline (read from any thread)."""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (0.0 for an empty list)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    frames_captured: int  # delivered by the source, plus those it skipped when asked to
    frames_decoded: int
    frames_dropped: int
    frames_still: int  # idle scene: compared with the last change, not decoded
    frames_skipped: int  # idle scene: the source skipped them (not even decompressed)
    frames_with_code: int
    submissions: int
    suppressed: int  # sightings held back by the debouncer
    errors: int
    decode_ms_p50: float
    decode_ms_p95: float
    latency_ms_p50: float  # frame captured -> decision returned by the sink
    latency_ms_p95: float
    max_queue_age_ms: float  # oldest frame age when the decoder took it (backlog indicator)

    def to_json(self) -> dict[str, float | int]:
        return {name: getattr(self, name) for name in self.__slots__}


class PipelineStats:
    """Thread-safe counters with bounded timing windows."""

    def __init__(self, window: int = 2000) -> None:
        self._lock = threading.Lock()
        self.frames_captured = 0
        self.frames_decoded = 0
        self.frames_with_code = 0
        self.submissions = 0
        self.suppressed = 0
        self.errors = 0
        self.frames_still = 0
        self.dropped_upstream = 0
        self._slot_dropped = 0
        self._skipped_at_source = 0
        self._decode_ms: deque[float] = deque(maxlen=window)
        self._latency_ms: deque[float] = deque(maxlen=window)
        self._queue_age_ms: deque[float] = deque(maxlen=window)

    def captured(self) -> None:
        with self._lock:
            self.frames_captured += 1

    def decoded(self, elapsed_ms: float, queue_age_ms: float, found: bool) -> None:
        with self._lock:
            self.frames_decoded += 1
            self.frames_with_code += int(found)
            self._decode_ms.append(elapsed_ms)
            self._queue_age_ms.append(queue_age_ms)

    def still(self) -> None:
        with self._lock:
            self.frames_still += 1

    def submitted(self, latency_ms: float) -> None:
        with self._lock:
            self.submissions += 1
            self._latency_ms.append(latency_ms)

    def held_back(self) -> None:
        with self._lock:
            self.suppressed += 1

    def error(self) -> None:
        with self._lock:
            self.errors += 1

    def set_dropped(self, slot_dropped: int) -> None:
        with self._lock:
            self._slot_dropped = slot_dropped

    def set_skipped_at_source(self, skipped: int) -> None:
        with self._lock:
            self._skipped_at_source = skipped

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            decode = list(self._decode_ms)
            latency = list(self._latency_ms)
            ages = list(self._queue_age_ms)
            return StatsSnapshot(
                frames_captured=self.frames_captured + self._skipped_at_source,
                frames_decoded=self.frames_decoded,
                frames_dropped=self._slot_dropped + self.dropped_upstream,
                frames_still=self.frames_still,
                frames_skipped=self._skipped_at_source,
                frames_with_code=self.frames_with_code,
                submissions=self.submissions,
                suppressed=self.suppressed,
                errors=self.errors,
                decode_ms_p50=percentile(decode, 0.50),
                decode_ms_p95=percentile(decode, 0.95),
                latency_ms_p50=percentile(latency, 0.50),
                latency_ms_p95=percentile(latency, 0.95),
                max_queue_age_ms=max(ages, default=0.0),
            )
