"""Idle benchmark (issue 18): the whole `kiosk run` process while its camera sees nobody.

Each run is a fresh interpreter (`tests.bench.idle_child`) that builds the kiosk as `kiosk run`
does, with a field config (`[api]` set, so the sync service runs too; nothing listens on that
loopback port: an offline field kiosk), and scans from a looping MJPG clip of an empty wall at
30 fps. Measured from the process itself: CPU time over wall time (its share of one core; CPU
quotas are not enforced here, so CPU time is what counts) and RSS.

- before: the strategy before issue 18 (`tests.bench.before`), a 30 s window;
- soak: the current strategy for 5 minutes (IDLE_SOAK_SECONDS to change): CPU share and RSS.

    python -m tests.bench.idle            (or `make bench BENCH=idle`)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.bench.metering import PI_FACTOR, PI_NOTE, target
from tests.bench.ui import ROOT, _compile_bytecode, _write_config
from tests.corpus.scene import write_empty_clip
from tests.passkit import PassKit

SOAK_S = float(os.environ.get("IDLE_SOAK_SECONDS", "300"))
BEFORE_S = 30.0
WARM_UP_S = 5.0  # sync starts 2 s after the App; the scene settles 1 s after the camera
CLIP_FRAMES = 150
TARGET_SHARE = 0.10
TARGET_RSS_MB = 150.0


def _child(config: Path, clip: Path, secrets: Path, window_s: float, strategy: str) -> Any:
    env = {
        **os.environ,
        "TEXTUAL_ANIMATIONS": "none",
        "PYTHON_KEYRING_BACKEND": "config.secrets.CredentialFileKeyring",
        "KIOSK_CREDENTIALS_DIR": str(secrets),
    }
    args = [str(config), str(clip), str(WARM_UP_S), str(window_s), strategy]
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.idle_child", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=window_s + 120,
        check=False,
    )
    if done.returncode != 0:  # the error in the results says why (one run aborted, 2026-11-29)
        raise RuntimeError(f"{strategy} child exited {done.returncode}: {done.stderr[-2000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as tmp:
        folder = Path(tmp)
        config = _write_config(folder, PassKit(), api=True)
        clip = folder / "empty-720p.avi"
        write_empty_clip(clip, CLIP_FRAMES)
        _compile_bytecode()
        before = _child(config, clip, folder / "credentials", BEFORE_S, "before")
        soak = _child(config, clip, folder / "credentials", SOAK_S, "new")
    share = soak["cpu_share_of_one_core"]
    return {
        "name": "kiosk run (camera + sync) on an empty 1280x720 scene at 30 fps",
        "before": before,
        "soak": soak,
        "cpu_share_of_one_core": target(share, TARGET_SHARE, "of one core"),
        "ratio_before_over_new": round(before["cpu_share_of_one_core"] / max(share, 1e-6), 1),
        "peak_rss_mb": target(soak["rss_peak_mb"], TARGET_RSS_MB, "MB"),
        "rss_growth_over_soak_mb": round(soak["rss_end_mb"] - soak["rss_start_mb"], 1),
        "pi_estimate_share_of_one_core": round(share * PI_FACTOR, 3),
        "pi_note": PI_NOTE,
        "note": "a `kiosk run` process loads neither the reference server stack (fastapi,"
        " sqlmodel, pydantic, uvicorn) nor pyzbar/PIL (heavy_modules lists what it loads);"
        " `kiosk demo` (server in-process) and in-process benchmarks do, and weigh more",
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
