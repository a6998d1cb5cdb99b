"""Recent check-ins (masked) and undo of the last accepted scan, with a confirmation."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from kiosk.models import Method
from screens.confirm import ConfirmModal
from screens.recent import RecentScreen
from screens.scan import ScanScreen
from screens.widgets.counters import Counters
from screens.widgets.notice import NoticeLine
from tests.ui.conftest import Kiosk, settle, to_scan


async def ask_undo(pilot: Pilot[Any]) -> None:
    """From the start screen to the history (F3), and F6: undo the last check-in."""
    await to_scan(pilot)
    await pilot.press("f3")
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)


async def test_recent_lists_masked_ids_and_undo_voids(kiosk: Kiosk) -> None:
    service = kiosk.services.checkins
    service.submit(kiosk.sign(sub="FR0000000001"), Method.CAMERA)
    kiosk.clock.advance(5)
    service.submit(kiosk.sign(), Method.CAMERA)
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        assert app.screen.query_one(Counters).values["accepted"] == 2
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RecentScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        cells = [str(c) for c in table.get_row_at(0)]
        assert "FR7K3M****PD" in cells
        assert "FR7K3M9Q2XPD" not in " ".join(str(c) for r in range(2) for c in table.get_row_at(r))
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert isinstance(app.screen, RecentScreen)
        live = kiosk.services.store.records.checkins(service.activity_id, include_voided=False)
        assert [c.registrant for c in live] == ["FR0000000001"]
        (voided,) = [
            c for c in kiosk.services.store.records.checkins(service.activity_id) if c.voided
        ]
        trail = kiosk.services.store.records.audit_trail(voided.id)
        assert [(a.action, a.reason) for a in trail][-1] == ("void", "undo at gate")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ScanScreen)
        assert app.screen.query_one(Counters).values["accepted"] == 1


async def test_undo_cancelled_keeps_checkin(kiosk: Kiosk) -> None:
    kiosk.services.checkins.submit(kiosk.sign(), Method.CAMERA)
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ask_undo(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RecentScreen)
        live = kiosk.services.store.records.checkins(
            kiosk.services.checkins.activity_id, include_voided=False
        )
        assert len(live) == 1


async def test_undo_with_nothing_to_undo(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await ask_undo(pilot)
        assert isinstance(app.screen, RecentScreen)


def said(app: App[Any]) -> str:
    """The notice the screen shows now (kiosk screens have a notice line, no toasts)."""
    return app.screen.query_one(NoticeLine).message


def live_registrants(kiosk: Kiosk) -> list[str]:
    service = kiosk.services.checkins
    live = kiosk.services.store.records.checkins(service.activity_id, include_voided=False)
    return [c.registrant for c in live]


async def test_undo_works_once_then_the_earlier_one_is_the_coordinators(kiosk: Kiosk) -> None:
    service = kiosk.services.checkins
    service.submit(kiosk.sign(sub="FR0000000001"), Method.CAMERA)
    service.submit(kiosk.sign(), Method.WEDGE)
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await ask_undo(pilot)
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert live_registrants(kiosk) == ["FR0000000001"]
        await pilot.press("f6")  # again: would void the check-in before the undone one
        await settle(pilot)
        assert isinstance(app.screen, RecentScreen)  # refused, no confirmation asked
        assert live_registrants(kiosk) == ["FR0000000001"]
        refusal = said(app)
        assert "already undone" in refusal
        assert "coordinator (F9)" in refusal


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_undo_of_an_older_checkin_is_refused_naming_the_coordinator(
    kiosk: Kiosk, language: str
) -> None:
    kiosk.services.checkins.submit(kiosk.sign(), Method.CAMERA)
    kiosk.clock.advance(kiosk.config.ui.undo_window_seconds + 1)
    app = kiosk.app(language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await pilot.press("f3")
        await settle(pilot)
        info = app.screen.query_one("#recent-info", Static).content
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, RecentScreen)
        assert live_registrants(kiosk) == ["FR7K3M9Q2XPD"]
        refusal = said(app)
        who = "coordinator (F9)" if language == "en" else "管理者（F9）"
        assert who in refusal
        assert ("2 min" if language == "en" else "2 分") in refusal
        assert isinstance(info, Text)
        assert info.plain == refusal  # the screen says it before F6 is pressed, too


async def test_a_scan_arriving_before_the_confirmation_is_not_undone(kiosk: Kiosk) -> None:
    service = kiosk.services.checkins
    service.submit(kiosk.sign(sub="FR0000000001"), Method.CAMERA)
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await ask_undo(pilot)
        service.submit(kiosk.sign(), Method.CAMERA)  # the camera decides while asking
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert sorted(live_registrants(kiosk)) == ["FR0000000001", "FR7K3M9Q2XPD"]
        assert "new check-in" in said(app)
