"""The App tells systemd it is alive from the UI loop, and shows the activity's own QR."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

from kiosk.watchdog import Watchdog
from screens.activity_qr import ActivityQrScreen
from screens.app import make_app
from screens.widgets.qr import QrCode
from tests.ui.conftest import Kiosk, settle, to_scan, wait_until


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


async def test_activity_qr_shows_the_current_activity(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActivityQrScreen)
        assert screen.payload == "furusato-activity:v1:131016:act-2026-11-23-beach"
        assert screen.query_one(QrCode).data == screen.payload
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ActivityQrScreen)
