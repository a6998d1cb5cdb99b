"""The close-out on an 80x24 screen: the attempts table first with at least 8 rows, sorting by
time / outcome / method, search by part of an id and by the name on a paper form, and a
confirm that warns when the kiosk is offline or uploads are pending."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Input, Static

from screens.confirm import ConfirmModal
from screens.coordinator import CloseoutScreen
from screens.coordinator.attempts import AttemptsTable
from tests.ui.coordinator.conftest import Day, HostApp
from tests.ui.coordinator.test_closeout_screen import settle, unlock


def column(table: DataTable[Text], index: int) -> list[str]:
    return [str(table.get_row_at(r)[index]) for r in range(table.row_count)]


async def test_the_table_comes_first_at_80x24(day: Day) -> None:
    app = HostApp(day)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await unlock(pilot)
        table = screen.query_one(AttemptsTable)
        assert screen.has_class("-compact")  # the detail panel gives way to the table
        assert table.region.height - 1 >= 8  # a header and at least 8 rows
        summary = screen.query_one("#coord-summary", Static).render()
        assert "受付 6・実人数 6" in str(summary)


async def test_sort_by_time_outcome_and_method_with_s(day: Day) -> None:
    app = HostApp(day)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await unlock(pilot)
        table = screen.query_one(AttemptsTable)
        times = column(table, 0)
        assert times == sorted(times, reverse=True)  # newest first
        await pilot.press("s")
        outcomes = column(table, 1)
        assert outcomes == sorted(outcomes)
        assert "結果順" in str(screen.query_one("#coord-shown", Static).render())
        await pilot.press("s")
        methods = column(table, 4)
        assert methods == sorted(methods)
        assert "方法順" in str(screen.query_one("#coord-shown", Static).render())
        await pilot.press("s")
        assert column(table, 0) == times  # back to time, newest first


async def test_search_by_id_fragment_and_paper_form_name(day: Day) -> None:
    app = HostApp(day)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await unlock(pilot)
        table = screen.query_one(AttemptsTable)
        search = screen.query_one("#coord-search", Input)
        search.value = "山田"
        await settle(pilot)
        assert table.row_count == 1
        assert str(table.get_row_at(0)[3]) == "紙：山田 花子"
        search.value = "****03"  # a fragment of the id as shown
        await settle(pilot)
        assert column(table, 3) == ["FR0000****03"]
        search.value = "fr0000000003"  # the whole id, as read from the person's app
        await settle(pilot)
        assert column(table, 3) == ["FR0000****03"]


async def test_close_confirm_warns_when_offline_and_pending(day: Day) -> None:
    app = HostApp(day)  # no close-out submitter: an offline device
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await unlock(pilot)
        assert isinstance(screen, CloseoutScreen)
        await pilot.press("c")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        assert "この端末は今オフラインです" in modal.question
        assert "まだ送信していない受付が6件あります" in modal.question
