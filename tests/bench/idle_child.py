"""Run in a fresh interpreter by `tests.bench.idle`: `kiosk run` looking at an empty scene.

The App is built exactly as `kiosk run` builds it (`build_kiosk`: config with `[api]`, so the
sync service starts too), then scans its configured activity from an MJPG clip of an empty
wall played in a loop at 30 fps (the one change: a looping clip instead of the camera, so the
scene never ends). After a warm-up, the process's own CPU time is measured over a window,
with RSS sampled every second. Prints one JSON line.

Usage: python -m tests.bench.idle_child CONFIG CLIP WARM_UP_S WINDOW_S (new|before)
`before` runs the strategy as it was before idle watching: every frame decoded, colour decode.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlmodel",
    "sqlalchemy",
    "pydantic",
    "PIL",
    "pyzbar",
    "segno",
    "httpx",
    "keyring",
    "cryptography",
    "cv2",
    "numpy",
    "zxingcpp",
)


async def _until(ready: Any, limit_s: float = 60.0) -> None:
    deadline = time.perf_counter() + limit_s
    while not ready():
        if time.perf_counter() > deadline:
            raise TimeoutError("the kiosk never reached the state the benchmark waits for")
        await asyncio.sleep(0.05)


def main(config: str, clip: str, warm_up_s: float, window_s: float, strategy: str) -> None:
    import psutil
    from textual.pilot import Pilot

    from cli.commands.run import build_kiosk
    from kiosk.checkins import CheckinService
    from kiosk.scan.frames import SourceState
    from kiosk.scan.media import VideoFileSource
    from kiosk.scan.settings import settings_from_config
    from screens.scanning import PipelineScanner, Scanner
    from screens.start import StartScreen
    from tests.bench.metering import peak_rss_mb

    kiosk = build_kiosk(argparse.Namespace(config=Path(config), language=None))
    app = kiosk.app
    settings = settings_from_config(kiosk.services.config)
    before = strategy == "before"
    if before:
        settings = replace(settings, idle_settle_s=0.0)
    scanners: list[PipelineScanner] = []

    def looping_clip(service: CheckinService) -> Scanner:
        source = VideoFileSource(Path(clip), loop=True, gray_jpeg=not before)
        scanner = PipelineScanner(service, source, settings)
        scanners.append(scanner)
        return scanner

    app.scanner_factory = looping_clip
    process = psutil.Process()
    result: dict[str, Any] = {}

    async def auto_pilot(pilot: Pilot[Any]) -> None:
        await _until(lambda: isinstance(app.screen, StartScreen) and app.screen.loaded)
        await pilot.press("enter")
        await _until(lambda: app.camera_state is SourceState.LIVE)
        await asyncio.sleep(warm_up_s)
        pipeline = scanners[-1].pipeline
        assert pipeline is not None
        frames_before = pipeline.snapshot().frames_captured
        cpu_before = sum(process.cpu_times()[:2])
        started = time.perf_counter()
        rss: list[int] = []
        while (elapsed := time.perf_counter() - started) < window_s:
            rss.append(process.memory_info().rss)
            await asyncio.sleep(min(1.0, window_s - elapsed))
        cpu = sum(process.cpu_times()[:2]) - cpu_before
        wall = time.perf_counter() - started
        stats = pipeline.snapshot()
        frames = stats.frames_captured - frames_before
        result.update(
            strategy=strategy,
            window_s=round(wall, 1),
            cpu_s=round(cpu, 3),
            cpu_share_of_one_core=round(cpu / wall, 4),
            cpu_ms_per_frame=round(cpu * 1000 / max(1, frames), 3),
            frames=frames,
            fps=round(frames / wall, 1),
            frames_decoded=stats.frames_decoded,
            frames_still=stats.frames_still,
            frames_skipped=stats.frames_skipped,
            frames_dropped=stats.frames_dropped,
            camera_state=str(app.camera_state),
            sync_configured=app.sync is not None,
            rss_start_mb=round(rss[0] / 2**20, 1),
            rss_end_mb=round(rss[-1] / 2**20, 1),
            rss_window_peak_mb=round(max(rss) / 2**20, 1),
            rss_peak_mb=peak_rss_mb(),
            heavy_modules=sorted(m for m in HEAVY if m in sys.modules),
        )
        app.exit()

    try:
        app.run(headless=True, auto_pilot=auto_pilot)
    finally:
        kiosk.close()
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
