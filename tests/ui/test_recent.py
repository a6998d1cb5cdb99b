"""Recent check-ins (masked) and undo of the last accepted scan, with a confirmation."""

from __future__ import annotations

from textual.widgets import DataTable

from kiosk.models import Method
from screens.confirm import ConfirmModal
from screens.recent import RecentScreen
from screens.scan import ScanScreen
from screens.widgets.counters import Counters
from tests.ui.conftest import Kiosk, settle, to_scan


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
        await to_scan(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
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
        await to_scan(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, RecentScreen)
