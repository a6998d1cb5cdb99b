"""Run in a fresh interpreter by the UI benchmark: start the kiosk as `kiosk run` does and
print wall-clock stamps when the App is built and when its first screen is interactive.

Kept apart from `tests.bench.ui` so that nothing but what `kiosk run` imports is loaded.
Usage: python -m tests.bench.startup_child (bare|kiosk) CONFIG
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any


async def _until_ready(ready: Any, limit_s: float = 30.0) -> None:
    deadline = time.perf_counter() + limit_s
    while not ready():
        if time.perf_counter() > deadline:
            raise TimeoutError("the first screen never became interactive")
        await asyncio.sleep(0.001)


def main(kind: str, config: str) -> None:
    from textual.app import App, ComposeResult
    from textual.pilot import Pilot
    from textual.widgets import Static

    app: App[None]
    if kind == "bare":

        class Bare(App[None]):
            def compose(self) -> ComposeResult:
                yield Static("hello")

        app = Bare()

        def ready() -> bool:
            return True
    else:
        from cli.commands.run import build_kiosk
        from screens.start import StartScreen

        # Exactly what `kiosk run` does before `app.run()`: config, database, secrets, sync.
        kiosk = build_kiosk(argparse.Namespace(config=Path(config), language=None))
        app = kiosk.app

        def ready() -> bool:  # the activity list is loaded and can be chosen from
            return isinstance(app.screen, StartScreen) and app.screen.loaded

    built = time.time()

    async def auto_pilot(pilot: Pilot[Any]) -> None:
        await _until_ready(ready)
        await pilot.pause()
        print(f"READY {built:.6f} {time.time():.6f}", flush=True)
        app.exit()

    app.run(headless=True, auto_pilot=auto_pilot)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
