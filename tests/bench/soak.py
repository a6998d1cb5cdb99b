"""Memory over a long scanning session: the real pipeline (synthetic 640x480 camera, real
decoder, real check-in service on SQLite) runs as fast as it can for a fixed wall-clock budget
while RSS is sampled. The baseline is RSS after warm-up, measured in the same run; a leak
shows as growth per 10,000 frames. One hour at 30 fps is 108,000 frames: the budget here
covers part of it and the result states how many simulated minutes were reached."""

from __future__ import annotations

import itertools
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import psutil

from kiosk.scan.pipeline import ScanPipeline
from kiosk.scan.settings import ScanSettings
from kiosk.scan.synthetic import SyntheticSource
from tests.builders import checkin_service
from tests.passkit import PassKit

BUDGET_S = float(os.environ.get("SOAK_SECONDS", "90"))
WARM_UP_S = 10.0


def run(budget_s: float = BUDGET_S) -> dict[str, object]:
    process = psutil.Process()
    kit = PassKit()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        service = checkin_service(root / "kiosk.db", kit.write_jwks(root / "jwks.json"), "act-1")
        people = [kit.sign() for _ in range(500)]
        source = SyntheticSource.from_passes(
            itertools.cycle(people),
            width=640,
            height=480,
            hold_frames=20,
            gap_frames=40,
            realtime=False,
        )
        results: list[object] = []
        pipeline = ScanPipeline(
            source, service, settings=ScanSettings(realtime=False), on_result=results.append
        )
        samples: list[tuple[float, int, int]] = []  # (elapsed s, frames, rss bytes)
        started = time.perf_counter()
        pipeline.start()
        try:
            while (elapsed := time.perf_counter() - started) < budget_s:
                samples.append(
                    (elapsed, pipeline.snapshot().frames_captured, process.memory_info().rss)
                )
                pipeline.finished.wait(1.0)
        finally:
            pipeline.stop()
        stats = pipeline.snapshot()
        service.store.close()
    after_warm_up = [s for s in samples if s[0] >= WARM_UP_S] or samples
    _, base_frames, base_rss = after_warm_up[0]
    _, end_frames, end_rss = samples[-1]
    peak = max(s[2] for s in samples)
    frames_since = max(1, end_frames - base_frames)
    growth_per_10k = (end_rss - base_rss) / frames_since * 10_000 / 2**20
    mb = 2**20
    return {
        "name": "scanning soak (pipeline + decoder + SQLite, synthetic 640x480 camera)",
        "wall_seconds": round(budget_s, 1),
        "frames": stats.frames_captured,
        "frames_decoded": stats.frames_decoded,
        "decisions": len(results),
        "simulated_minutes_at_30fps": round(stats.frames_captured / 30 / 60, 1),
        "rss_baseline_after_warm_up_mb": round(base_rss / mb, 1),
        "rss_peak_mb": round(peak / mb, 1),
        "rss_end_mb": round(end_rss / mb, 1),
        "ratio_peak_vs_baseline": round(peak / base_rss, 3),
        "growth_mb_per_10k_frames": round(growth_per_10k, 2),
        "extrapolated_growth_mb_per_hour_at_30fps": round(growth_per_10k * 10.8, 1),
        "threads_alive_after_stop": threading.active_count(),
        "note": "RSS of the benchmark process, which has loaded every earlier benchmark's stack"
        " (under `make bench`): watch the growth; the kiosk's own size is the idle benchmark's",
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
