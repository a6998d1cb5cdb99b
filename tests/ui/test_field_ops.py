"""The App tells systemd it is alive from the UI loop."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

from kiosk.watchdog import Watchdog
from screens.app import make_app
from tests.ui.conftest import Kiosk, wait_until


async def test_ui_loop_reports_ready_and_pings_the_watchdog(kiosk: Kiosk, tmp_path: Path) -> None:
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(address)
        systemd.setblocking(False)
        watchdog = Watchdog.from_environment({"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "1000000"})
        assert watchdog is not None
        assert watchdog.interval == 0.5
        app = make_app(kiosk.services, heartbeat=watchdog)
        received: list[bytes] = []

        def got_ping() -> bool:
            with contextlib.suppress(BlockingIOError):  # nothing sent since the last look
                received.append(systemd.recv(256))
            return b"WATCHDOG=1" in received

        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, got_ping, limit_s=5.0)
    assert received[0].startswith(b"READY=1")
