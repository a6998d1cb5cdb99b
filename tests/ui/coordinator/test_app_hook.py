"""The kiosk App opens the coordinator screen through `coordinator_hook` (F9)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cli.compose import build_services, read_config
from kiosk.clock import FixedClock
from kiosk.pin import PinGate
from screens.app import make_app
from screens.coordinator import CloseoutScreen, coordinator_hook
from screens.coordinator.pin import PinModal
from tests.ui.coordinator.conftest import PIN, SIZE, FakeMonotonic


async def test_f9_opens_the_pin_then_the_closeout_of_the_current_activity(
    config_file: Path, tmp_path: Path
) -> None:
    services = build_services(
        read_config(config_file), clock=FixedClock(datetime(2026, 11, 23, 1, tzinfo=UTC))
    )
    gate = PinGate(lambda: PIN, clock=FakeMonotonic(), verify=lambda pin, stored: pin == stored)
    app = make_app(
        services, language="en", coordinator=coordinator_hook(pin=gate, export_dir=tmp_path)
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("f9")
            await pilot.pause()
            assert isinstance(app.screen, PinModal)
            await pilot.press(*PIN, "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CloseoutScreen)
            assert screen.summary is not None
            assert screen.summary.activity.id == "act-2026-11-23-beach"
            assert screen.context.device == "Gate 1 (kiosk-test-01)"
            assert screen.t("action.back") == "Back"
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, CloseoutScreen)
    finally:
        services.close()
