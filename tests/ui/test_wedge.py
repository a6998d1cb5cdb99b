"""Keyboard-wedge capture on the scan screen: no field focused, a pass typed + Enter."""

from __future__ import annotations

from kiosk.models import Method
from screens.scan import ScanScreen
from screens.widgets.banner import ResultBanner
from tests.ui.conftest import Kiosk, settle, to_scan, wedge_type


async def test_wedge_pass_is_decided(kiosk: Kiosk) -> None:
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        assert app.focused is None
        await wedge_type(pilot, kiosk.sign())
        await settle(pilot)
        banner = screen.query_one(ResultBanner)
        assert banner.state == "accepted"
        assert banner.result is not None
        assert banner.result.method is Method.WEDGE
        attempts = kiosk.services.store.records.attempts(kiosk.services.checkins.activity_id)
        assert [a.method for a in attempts] == ["wedge"]


async def test_short_human_typing_is_ignored(kiosk: Kiosk) -> None:
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await pilot.press("a", "b", "c", "enter")
        await settle(pilot)
        assert app.screen.query_one(ResultBanner).state == "ready"
        assert kiosk.services.store.records.attempts(kiosk.services.checkins.activity_id) == []


async def test_pause_between_keys_starts_a_new_payload(kiosk: Kiosk) -> None:
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await wedge_type(pilot, "garbage-typed-by-hand", enter=False)
        kiosk.clock.advance(2)  # a person paused; the scanner then types a whole pass
        await wedge_type(pilot, kiosk.sign())
        await settle(pilot)
        assert app.screen.query_one(ResultBanner).state == "accepted"


async def test_garbage_from_a_wedge_is_rejected_malformed(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await wedge_type(pilot, "not-a-pass-at-all")
        await settle(pilot)
        banner = app.screen.query_one(ResultBanner)
        assert banner.state == "rejected"
        assert banner.result is not None
        assert banner.result.reason is not None
