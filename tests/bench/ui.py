"""UI benchmark: start-up to the first interactive frame, scan-to-banner latency through the
pilot, and input latency while a synthetic decoder runs at full rate.

Baselines from the same run: a bare Textual App's start-up (the floor any Textual UI pays),
the core's own submit time (what the UI adds on top), and input latency with the camera idle.
Targets (issue 5): start-up <= 1.5 s; scan-to-banner p95 <= 150 ms.

Start-up is measured as `kiosk run` does it (`cli.commands.run.build_kiosk`, a field config
with `[api]` and secrets in the credential file), in a fresh interpreter, with bytecode
compiled as on an installed kiosk; the cold figures compile everything from source (first boot).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator
from functools import partial
from pathlib import Path
from typing import Any

from tests.bench.stats import summary_ms
from tests.passkit import PassKit

STARTUP_RUNS = 5
SCANS = 120
KEYS = 200
TARGET_STARTUP_S = 1.5
TARGET_BANNER_P95_MS = 150.0
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cli", "kiosk", "screens", "sync", "config", "tests")


def _write_config(folder: Path, kit: PassKit, *, api: bool = False) -> Path:
    """The benchmark device. With `api`, a field kiosk that starts offline: the national API
    section is set, but nothing listens on that loopback port."""
    jwks = kit.write_jwks(folder / "jwks.json")
    config = folder / ("kiosk-api.toml" if api else "kiosk.toml")
    section = '[api]\nurl = "http://127.0.0.1:9"\n' if api else ""
    config.write_text(
        f"""
[device]
id = "bench-ui"
name = "Bench gate"
municipality = "131016"
database = "{folder / "kiosk.db"}"
[trust]
jwks_file = "{jwks}"
[activity]
id = "act-bench"
name = "Bench activity"
[ui]
sound = "off"
[logging]
directory = "{folder / "log"}"
{section}""",
        encoding="utf-8",
    )
    return config


async def _until(predicate: Callable[[], bool], step_s: float, limit_s: float = 30.0) -> None:
    """Poll a condition set by another thread or the App's message loop."""
    deadline = time.perf_counter() + limit_s
    while time.perf_counter() < deadline:
        if predicate():
            return
        await asyncio.sleep(step_s)
    raise TimeoutError("benchmark condition not reached")


def _differs(banner: Any, before: int) -> bool:
    return bool(banner.shown != before)


def _handled_twice(seen: dict[int, list[float]], key: int) -> bool:
    return len(seen.get(key, ())) >= 2


# -- start-up (measured in a fresh interpreter, like `kiosk run`) ----------------------------


def _compile_bytecode() -> None:
    """What an installed kiosk has: .pyc for its dependencies (pip and the bootstrap's
    `uv sync --compile-bytecode` write them) and for its own modules (written at first run)."""
    import compileall
    import site

    folders = [Path(p) for p in site.getsitepackages()] + [ROOT / name for name in PACKAGES]
    for folder in folders:
        compileall.compile_dir(folder, quiet=2, workers=0)


def _startup(
    kind: str, config: Path, secrets: Path, *, cold: bool = False
) -> tuple[list[float], list[float]]:
    """Wall time from spawning the interpreter to the first interactive frame, and to the
    moment the App object was built (imports, config, database, secrets: before `run`).

    `cold`: no bytecode at all (an empty pycache prefix, nothing written): every module,
    the standard library's included, is compiled from source, as on a first boot."""
    empty = tempfile.mkdtemp(prefix="bench-pycache-") if cold else None
    flags = ["-X", f"pycache_prefix={empty}"] if empty else []
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1" if cold else "",
        "TEXTUAL_ANIMATIONS": "none",
        # as the systemd unit sets them: secrets from the root-only credential file
        "PYTHON_KEYRING_BACKEND": "config.secrets.CredentialFileKeyring",
        "KIOSK_CREDENTIALS_DIR": str(secrets),
    }
    samples, built = [], []
    for _ in range(STARTUP_RUNS):
        started = time.time()
        out = subprocess.run(
            [sys.executable, *flags, "-m", "tests.bench.startup_child", kind, str(config)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=60,
            check=True,
        )
        line = next(x for x in out.stdout.splitlines() if x.startswith("READY"))
        _, built_at, ready_at = line.split()
        samples.append(float(ready_at) - started)
        built.append(float(built_at) - started)
    if empty:
        shutil.rmtree(empty, ignore_errors=True)
    return samples, built


# -- in-process measurements through the pilot ----------------------------------------------


class _CountingSource:
    """Wraps a frame source and counts the frames it delivers (decoder throughput)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.frames_out = 0

    @property
    def realtime(self) -> bool:
        return bool(self.inner.realtime)

    def describe(self) -> str:
        return str(self.inner.describe())

    def frames(
        self, stop: threading.Event, report: Any, demand: Any = None
    ) -> Generator[Any, None, None]:
        for frame in self.inner.frames(stop, report, demand):
            self.frames_out += 1
            yield frame


class _SkippingClock:
    """The system clock whose monotonic time can jump ahead: between two scans the benchmark
    skips the time a result stays up (`screens.results.MIN_SHOW_S`), so each scan measures
    the decision and the banner, not the deliberate hold of the one before it."""

    def __init__(self) -> None:
        from kiosk.clock import SystemClock

        self.system = SystemClock()
        self.skipped = 0.0

    def now(self) -> Any:
        return self.system.now()

    def monotonic(self) -> float:
        return self.system.monotonic() + self.skipped

    @property
    def trusted(self) -> bool:
        return self.system.trusted

    @property
    def offset(self) -> Any:
        return self.system.offset


async def _scan_to_banner(config: Path, kit: PassKit) -> dict[str, Any]:
    from cli.compose import build_services, read_config
    from kiosk.models import Method
    from screens.app import make_app
    from screens.results import RED_MIN_S
    from screens.scan import ScanScreen
    from screens.widgets.banner import ResultBanner

    clock = _SkippingClock()
    services = build_services(read_config(config), clock=clock)
    app = make_app(services)
    ui: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        banner = screen.query_one(ResultBanner)
        passes = [kit.sign() for _ in range(SCANS)]
        for index, token in enumerate(passes):
            payload = passes[index - 1] if index % 6 == 5 else token  # some duplicates
            clock.skipped += RED_MIN_S  # the last result has been up its time: the next shows
            shown = banner.shown
            started = time.perf_counter()
            screen.submit(payload, Method.CAMERA)
            await _until(partial(_differs, banner, shown), 0.0002)
            ui.append(time.perf_counter() - started)
            await app.workers.wait_for_complete()
            await pilot.pause()
    core = []
    for _ in range(SCANS):  # the same decision without the UI: the core's own cost
        token = kit.sign()
        started = time.perf_counter()
        services.checkins.submit(token, Method.CAMERA)
        core.append(time.perf_counter() - started)
    services.close()
    return {"ui": summary_ms(ui), "core_submit": summary_ms(core)}


async def _input_latency(config: Path, kit: PassKit, *, camera: bool) -> dict[str, Any]:
    from textual import events
    from textual.message import Message

    from cli.compose import build_services, read_config
    from kiosk.checkins import CheckinService
    from kiosk.scan.settings import ScanSettings
    from kiosk.scan.synthetic import SyntheticSource
    from screens.app import make_app
    from screens.scanning import PipelineScanner, Scanner

    services = build_services(read_config(config))
    source = _CountingSource(
        SyntheticSource.from_passes(
            [kit.sign()], hold_frames=10**9, gap_frames=0, effects=("plain",), realtime=False
        )
    )

    def factory(service: CheckinService) -> Scanner:
        return PipelineScanner(service, source, ScanSettings(realtime=False))

    seen: dict[int, list[float]] = {}

    def hook(message: Message) -> None:  # called as the App, then the screen, handle the key
        if isinstance(message, events.Key):
            seen.setdefault(id(message), []).append(time.perf_counter())

    app = make_app(services, scanner_factory=factory if camera else None)
    samples = []
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await pilot.pause()
        if camera:
            await _until(lambda: source.frames_out >= 30, 0.01)  # the decoder is running
        frames_before, window_start = source.frames_out, time.perf_counter()
        for _ in range(KEYS):
            key = events.Key("x", "x")
            seen.clear()  # ids of collected events are reused
            posted = time.perf_counter()
            app.post_message(key)
            await _until(partial(_handled_twice, seen, id(key)), 0.0002)  # App, then the screen
            samples.append(seen[id(key)][-1] - posted)
            await asyncio.sleep(0.005)
        window = time.perf_counter() - window_start
        fps = (source.frames_out - frames_before) / window
    services.close()
    result: dict[str, Any] = summary_ms(samples)
    if camera:
        result["decoder_fps"] = round(fps, 1)
    return result


def run() -> dict[str, Any]:
    kit = PassKit()
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        folder = Path(tmp)
        config = _write_config(folder, kit)
        secrets = folder / "credentials"
        field = _write_config(folder, kit, api=True)
        _compile_bytecode()
        bare, bare_built = _startup("bare", config, secrets)
        offline, _ = _startup("kiosk", config, secrets)
        kiosk, kiosk_built = _startup("kiosk", field, secrets)
        bare_cold, _ = _startup("bare", config, secrets, cold=True)
        kiosk_cold, _ = _startup("kiosk", field, secrets, cold=True)
        banner = asyncio.run(_scan_to_banner(config, kit))
        idle = asyncio.run(_input_latency(config, kit, camera=False))
        busy = asyncio.run(_input_latency(config, kit, camera=True))
    startup = statistics.median(kiosk)
    baseline = statistics.median(bare)
    return {
        "startup_s": {
            "kiosk_median": round(startup, 3),
            "kiosk_max": round(max(kiosk), 3),
            "kiosk_offline_only_median": round(statistics.median(offline), 3),
            # spawn -> App object built (interpreter, imports, config, database, secrets)
            "kiosk_built_median": round(statistics.median(kiosk_built), 3),
            "bare_built_median": round(statistics.median(bare_built), 3),
            "bare_textual_median": round(baseline, 3),
            "ratio": round(startup / baseline, 2),
            "target_s": TARGET_STARTUP_S,
            "meets_target": startup <= TARGET_STARTUP_S,
            # first boot, nothing compiled yet: every module from source
            "cold_kiosk_median": round(statistics.median(kiosk_cold), 3),
            "cold_bare_textual_median": round(statistics.median(bare_cold), 3),
            "cold_ratio": round(statistics.median(kiosk_cold) / statistics.median(bare_cold), 2),
            "load_average_1m": round(os.getloadavg()[0], 2),
        },
        "scan_to_banner": {
            **banner,
            "ui_overhead_p50_ms": round(
                banner["ui"]["p50_ms"] - banner["core_submit"]["p50_ms"], 3
            ),
            "target_p95_ms": TARGET_BANNER_P95_MS,
            "meets_target": banner["ui"]["p95_ms"] <= TARGET_BANNER_P95_MS,
        },
        "input_latency": {
            "camera_idle": idle,
            "decoder_full_rate": busy,
            "ratio_p95": round(busy["p95_ms"] / max(idle["p95_ms"], 1e-6), 2),
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
