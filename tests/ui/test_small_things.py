"""The small things of issue 15, each with its test: short input is not silent, ←/→ in the
confirm, manual entry lists every problem and asks before recording, history shows an undone
check-in as undone in fixed columns, names (not ids) on the start screen, a one-hour chart, the
chosen export encoding in words and its own folder, Japanese words in exports and the audit."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.widgets import Button, DataTable, Input, RadioButton, Static

from kiosk.clock import JST
from kiosk.closeout import HourCount
from kiosk.exports import export_day
from kiosk.models import Method, SyncState
from kiosk.store.tables import Activity
from screens.confirm import ConfirmModal
from screens.coordinator.day_view import audit_reason, hours_axis, operator_word
from screens.coordinator.export import ExportModal
from screens.i18n import Translator
from screens.manual import ManualScreen
from screens.recent import RecentScreen
from screens.scan import ScanScreen
from screens.start import StartScreen
from screens.widgets.notice import NoticeLine
from tests.ui.conftest import ACTIVITY, Kiosk, settle, to_scan, wait_until, wedge_type
from tests.ui.test_app import FakeSync

REGISTRANT_LIKE = re.compile(r"FR[0-9A-Z]{10}")


def plain(widget: Static) -> str:
    content = widget.content
    return content.plain if isinstance(content, Text) else str(content)


async def test_short_keyboard_input_says_it_was_not_read(kiosk: Kiosk) -> None:
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await wedge_type(pilot, "abc")
        await settle(pilot)
        notice = app.screen.query_one(NoticeLine)
        assert notice.message == "読み取れませんでした（短すぎます）。手入力は F2 です"
        assert notice.has_class("-warning")
        assert kiosk.services.store.records.attempts(ACTIVITY) == []


async def test_arrows_move_between_yes_and_no(kiosk: Kiosk) -> None:
    kiosk.services.checkins.submit(kiosk.sign(), Method.CAMERA)
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await pilot.press("f3", "f6")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        assert app.focused is modal.query_one("#confirm-no", Button)  # the safe answer first
        await pilot.press("left")
        assert app.focused is modal.query_one("#confirm-yes", Button)
        await pilot.press("right")
        assert app.focused is modal.query_one("#confirm-no", Button)


async def test_manual_entry_lists_every_problem_and_no_example_id(kiosk: Kiosk) -> None:
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ManualScreen)
        placeholder = screen.query_one("#registrant", Input).placeholder
        assert not REGISTRANT_LIKE.search(placeholder)  # nobody copies an example id
        screen.query_one("#contact", Input).value = "12"
        screen.record_paper()
        await pilot.pause()
        errors = plain(screen.query_one("#paper-error", Static)).splitlines()
        assert errors == [
            "・氏名を入力してください",
            "・電話番号かメールアドレスを入力",
            "・市区町村コード（6桁）が正しくありません",
        ]
        assert app.focused is screen.query_one("#name", Input)  # the first wrong field


async def test_history_shows_an_undone_check_in_as_undone(kiosk: Kiosk) -> None:
    service = kiosk.services.checkins
    result = service.submit(kiosk.sign(), Method.CAMERA)
    assert result.checkin_id is not None
    service.undo(result.checkin_id)
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RecentScreen)
        table = screen.query_one(DataTable)
        assert str(table.get_row_at(0)[1]) == "↶ 取消済"
        widths = [column.width for column in table.ordered_columns]
        assert widths[:4] == [5, 12, 13, 10]  # fixed: nothing collapses to "15:3"


def test_one_hour_chart_says_one_hour() -> None:
    t = Translator("ja").catalog("coordinator")
    hour = HourCount(datetime(2026, 11, 23, 15, tzinfo=JST), 4)
    assert hours_axis(t, (hour,)) == "15:00 の1時間（4 件）"


def test_audit_words_in_japanese() -> None:
    t = Translator("ja").catalog("coordinator")
    assert audit_reason(t, "undo at gate") == "受付で直前を取消"
    assert audit_reason(t, "manual entry at gate (registrant id)") == "受付で手入力（登録番号）"
    assert audit_reason(t, "retention: 2 paper records, 1 rejected-scan details") == (
        "保存期間による個人情報の消去 (2/1)"
    )
    assert audit_reason(t, "別人を読み取った") == "別人を読み取った"  # typed: as typed
    assert [operator_word(t, o) for o in ("gate", "coordinator", "山田")] == [
        "受付",
        "管理者",
        "山田",
    ]


async def test_export_dialog_marks_the_choice_in_words_and_makes_its_folder(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    from textual.app import App

    class Host(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.translator = Translator("ja")
            self.chosen: object = None

        def on_mount(self) -> None:
            self.push_screen(ExportModal(tmp_path / "furusato-exports"), self.done)

        def done(self, request: object) -> None:
            self.chosen = request

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        modal = app.screen
        utf8 = modal.query_one("#enc-utf-8-sig", RadioButton)
        cp932 = modal.query_one("#enc-cp932", RadioButton)
        assert str(utf8.label).endswith("← これで書き出す")
        assert "←" not in str(cp932.label)
        await pilot.click("#enc-cp932")
        await pilot.pause()
        assert str(cp932.label).endswith("← これで書き出す")
        assert "←" not in str(utf8.label)
        modal.query_one("#export-ok", Button).press()  # the folder does not exist yet
        await pilot.pause()
    assert app.chosen is not None


def test_summary_and_csv_say_it_in_japanese_and_keep_the_codes(kiosk: Kiosk) -> None:
    service = kiosk.services.checkins
    service.submit(kiosk.sign(tier="premium"), Method.CAMERA)
    now = int(kiosk.clock.now().timestamp())
    service.submit(kiosk.sign(sub="FR0000000009", iat=now - 7200, exp=now - 3600), Method.CAMERA)
    at = kiosk.clock.now()
    summary = export_day(kiosk.services.store, "2026-11-23", "summary", generated_at=at)
    assert "  - 有効期限切れ (expired)" in summary.data.decode("utf-8-sig")
    rows = export_day(kiosk.services.store, "2026-11-23", "csv", generated_at=at)
    header, row = rows.data.decode("utf-8-sig").splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    assert (cells["登録区分"], cells["登録区分コード"]) == ("プレミアム登録", "premium")
    assert (cells["記録方法"], cells["記録方法コード"]) == ("二次元コード（カメラ）", "camera")
    assert (cells["送信状況"], cells["送信状況コード"]) == ("未送信", "pending")
    assert cells["記録者"] == "受付"


async def test_start_screen_shows_names_once_the_activity_arrives(kiosk: Kiosk) -> None:
    store = kiosk.services.store
    store.activities.upsert(Activity(id=ACTIVITY, name="浜辺の清掃", date="2026-11-23"))
    sync = FakeSync()
    app = kiosk.app(sync=sync)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StartScreen)
        screen.query_one("#activities").highlighted = 1  # type: ignore[attr-defined]
        await settle(pilot)
        organiser = plain(screen.query_one("#info-organiser", Static))
        assert organiser.endswith("（まだ届いていません）")  # never the config's org id
        store.activities.upsert(  # as a pull from the national system brings it
            Activity(
                id=ACTIVITY,
                name="浜辺の清掃",
                date="2026-11-23",
                venue="由比ヶ浜海岸",
                organiser="由比ヶ浜地域運営組織",
            )
        )
        sync.push(
            SyncState(configured=True, online=True, pending=0, last_success=kiosk.clock.now())
        )
        await wait_until(
            pilot,
            lambda: "由比ヶ浜地域運営組織" in plain(screen.query_one("#info-organiser", Static)),
        )
        assert plain(screen.query_one("#info-venue", Static)).endswith("由比ヶ浜海岸")
        assert isinstance(app.screen, StartScreen | ScanScreen)
