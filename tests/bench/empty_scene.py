"""Empty-scene benchmark (issue 18): what a gate camera costs while it looks at nobody.

An MJPG 1280x720 clip of a wall with posters and sensor noise (generated for the run, played
in a loop) goes through the real pipeline at 30 fps into the real check-in service, once with
the strategy from before issue 18 (`tests.bench.before`) and once with the current one. CPU
time is read per thread over 15 s after a 2 s warm-up: the decode thread (deciding what to
decode, decoding), the capture thread (reading and decompressing frames), and the process.

    python -m tests.bench.empty_scene        (or `make bench BENCH=empty_scene`)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kiosk.scan.decoders import make_decoder
from kiosk.scan.media import VideoFileSource
from kiosk.scan.pipeline import ScanPipeline
from kiosk.scan.settings import ScanSettings
from tests.bench.before import DecoderBefore, settings_before, video_before
from tests.bench.metering import (
    PI_NOTE,
    DecodeThreadClock,
    MeteredSource,
    pi_estimate,
    process_cpu_s,
    target,
    thread_cpu_s,
)
from tests.builders import checkin_service
from tests.corpus.scene import write_empty_clip
from tests.passkit import PassKit

CLIP_FRAMES = 150  # 5 s, looped
WARM_UP = 60  # 2 s: past the first second in which a new strategy's scene settles
FRAMES = WARM_UP + 450  # then 15 s measured at 30 fps, per strategy
TARGET_DECODE_MS = 2.0
TARGET_RATIO = 6.0


def _play(clip: Path, strategy: str, work: Path) -> dict[str, Any]:
    kit = PassKit()
    service = checkin_service(
        work / f"{strategy}.db", kit.write_jwks(work / "jwks.json"), "act-bench"
    )
    settings = ScanSettings()
    decoder = None
    if strategy == "before":
        settings = settings_before(settings)
        source = MeteredSource(video_before(clip, loop=True), FRAMES)
        reader = make_decoder(settings.backend)
        decoder = DecoderBefore(
            reader,
            downscale_width=settings.downscale_width,
            cascade_budget_ms=settings.cascade_budget_ms,
            cascade_share=settings.cascade_share,
        )
    else:
        source = MeteredSource(VideoFileSource(clip, loop=True), FRAMES)
    clock = DecodeThreadClock()
    pipeline = ScanPipeline(source, service, settings=settings, decoder=decoder, on_finished=clock)
    pipeline.start()
    while pipeline.snapshot().frames_captured < WARM_UP and not pipeline.finished.wait(0.05):
        pass  # the benchmark samples while the pipeline runs: polling is the point here
    at_warm = {
        "frames": pipeline.snapshot().frames_captured,
        "decode": thread_cpu_s("scan-decode"),
        "capture": thread_cpu_s("scan-capture"),
        "process": process_cpu_s(),
        "wall": time.perf_counter(),
    }
    pipeline.join()
    wall = time.perf_counter() - at_warm["wall"]
    process_cpu = process_cpu_s() - at_warm["process"]
    stats = pipeline.snapshot()
    service.store.close()
    frames = FRAMES - at_warm["frames"]
    decode_ms = (clock.cpu_s - at_warm["decode"]) * 1000 / frames
    capture_ms = (source.capture_cpu_s - at_warm["capture"]) * 1000 / frames
    process_ms = process_cpu * 1000 / frames
    return {
        "frames_measured": frames,
        "after_warm_up_frames": at_warm["frames"],
        "wall_s": round(wall, 2),
        "decode_cpu_ms_per_frame": round(decode_ms, 3),
        "capture_cpu_ms_per_frame": round(capture_ms, 3),
        "process_cpu_ms_per_frame": round(process_ms, 3),
        "process_share_of_one_core": round(process_cpu / wall, 4),
        # the whole run, the first second after start (the scene settling) included
        "whole_run_decode_cpu_ms_per_frame": round(clock.cpu_s * 1000 / FRAMES, 3),
        "frames_decoded": stats.frames_decoded,
        "frames_still": stats.frames_still,
        "frames_skipped": stats.frames_skipped,
        "frames_dropped": stats.frames_dropped,
        "decisions": stats.submissions,
        "pi_estimate": pi_estimate(process_ms),
    }


def run() -> dict[str, Any]:
    import cv2

    cv2.setNumThreads(1)  # per-thread CPU time then covers all the work of a frame
    make_decoder("zxing")  # the library loads before any clock starts
    with tempfile.TemporaryDirectory(prefix="bench-empty-") as tmp:
        work = Path(tmp)
        clip = work / "empty-720p.avi"
        write_empty_clip(clip, CLIP_FRAMES)
        before = _play(clip, "before", work)
        now = _play(clip, "new", work)
    ratio = before["decode_cpu_ms_per_frame"] / max(now["decode_cpu_ms_per_frame"], 1e-6)
    return {
        "name": "empty 1280x720 scene (wall, posters, noise) at 30 fps, MJPG clip",
        "before": before,
        "new": now,
        "decode_cpu_ms_per_frame": target(now["decode_cpu_ms_per_frame"], TARGET_DECODE_MS, "ms"),
        "decode_cpu_ratio_before_over_new": target(
            round(ratio, 1), TARGET_RATIO, "x", at_least=True
        ),
        "process_cpu_ratio_before_over_new": round(
            before["process_cpu_ms_per_frame"] / max(now["process_cpu_ms_per_frame"], 1e-6), 1
        ),
        "no_false_decisions": target(before["decisions"] + now["decisions"], 0, "decisions"),
        "pi_note": PI_NOTE,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2), file=sys.stdout)
