"""Pilot tests of the coordinator's close-out screen: PIN and lock-out, counts, void/restore
with a reason, manual records, the audit log, closing the day, exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Select, Static

from kiosk.models import Method, Outcome, UploadOutcome
from kiosk.national import GateStatus
from kiosk.store.tables import Activity
from screens.confirm import ConfirmModal
from screens.coordinator import CloseoutScreen
from screens.coordinator.attempts import AttemptsTable
from screens.coordinator.audit import AuditModal
from screens.coordinator.export import ExportModal
from screens.coordinator.manual import ManualModal
from screens.coordinator.pin import PinModal
from screens.coordinator.reason import ReasonModal
from tests.passkit import PassKit
from tests.ui.coordinator.conftest import ACTIVITY_ID, PIN, SIZE, Day, HostApp, sign


async def press(pilot: Pilot[None], selector: str) -> None:
    """Press a dialog button (a second click within the press animation would be ignored)."""
    pilot.app.screen.query_one(selector, Button).press()
    await pilot.pause()


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def unlock(pilot: Pilot[None]) -> CloseoutScreen:
    await pilot.pause()
    await pilot.press(*PIN, "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CloseoutScreen)
    assert screen.unlocked
    return screen


def top(app: App[None]) -> Screen[Any]:
    """The active screen, typed loosely so earlier isinstance checks do not narrow it."""
    return app.screen


def text_of(widget: Static) -> str:
    content = widget.content
    return content.plain if isinstance(content, Text) else str(content)


def select(screen: CloseoutScreen, outcome: str, registrant: str | None = None) -> None:
    table = screen.query_one("#coord-attempts", DataTable)
    for index, key in enumerate(table.rows):
        attempt = next(a for a in screen.attempts if a.id == key.value)
        if attempt.outcome == outcome and (registrant is None or attempt.registrant == registrant):
            table.move_cursor(row=index)
            return
    raise AssertionError(f"no {outcome} row")


async def test_counts_are_shown_after_the_pin(day: Day) -> None:
    app = HostApp(day)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PinModal)
        screen = await unlock(pilot)
        summary = screen.summary
        assert summary is not None
        c = summary.counts
        assert (c.accepted, c.unique_people, c.duplicates, c.rejected) == (6, 6, 1, 2)
        assert c.rejected_by_reason == {"unknown_key": 1, "expired": 1}
        assert summary.premium_share == 3 / 6  # the paper record has no tier
        assert [h.count for h in summary.hourly] == [3, 2, 1]
        assert screen.query_one("#coord-attempts", DataTable).row_count == 9
        assert "受付中" in text_of(screen.query_one("#coord-heading", Static))
        premium = text_of(screen.query_one("#coord-premium", Static))
        assert premium == "プレミアム登録者 50.0%（3 人）"
        assert "09:00 〜 11:00" in text_of(screen.query_one("#coord-axis", Static))


async def test_cancelling_the_pin_leaves_the_screen_without_loading(day: Day) -> None:
    app = HostApp(day)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CloseoutScreen | PinModal)
        assert app.query_one("#gate", Static)


async def test_pin_lockout_shows_time_remaining_then_lets_the_right_pin_in(day: Day) -> None:
    app = HostApp(day, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, PinModal)
        for attempt in range(1, 4):
            await pilot.press("1", "1", "1", "1", "enter")
            await settle(pilot)
            if attempt < 3:
                assert text_of(modal.query_one("#pin-status", Static)) == (
                    f"Wrong PIN ({3 - attempt} tries left before the lock)"
                )
        status = text_of(modal.query_one("#pin-status", Static))
        assert status == "Locked after repeated wrong PINs. Try again in 30 s"
        assert modal.query_one("#pin-unlock", Button).disabled
        day.mono.now += 12
        await pilot.press(*PIN, "enter")  # locked: not even checked
        await settle(pilot)
        assert isinstance(app.screen, PinModal)
        assert "18 s" in text_of(modal.query_one("#pin-status", Static))
        day.mono.now += 18
        await pilot.press(*PIN, "enter")
        await settle(pilot)
        assert isinstance(app.screen, CloseoutScreen)
        assert day.gate.failures == 0


async def test_void_needs_a_reason_and_is_audited_then_restore(day: Day) -> None:
    app = HostApp(day)
    async with app.run_test(size=SIZE) as pilot:
        screen = await unlock(pilot)
        select(screen, Outcome.ACCEPTED.value, "FR0000****03")
        await pilot.press("v")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ReasonModal)
        await pilot.press("enter")  # no reason yet
        await pilot.pause()
        assert top(app) is modal
        assert text_of(modal.query_one("#reason-error", Static)) == "理由を入力してください"
        modal.query_one("#reason-input", Input).value = "[bold]別人[/bold] を読み取った"
        await pilot.press("enter")
        await settle(pilot)
        assert top(app) is screen
        voided = [c for c in day.store.records.checkins(ACTIVITY_ID) if c.voided]
        assert [c.registrant for c in voided] == ["FR0000000003"]
        audit = day.store.records.audit_trail(voided[0].id)
        assert [(a.action, a.operator, a.reason) for a in audit][-1] == (
            "void",
            "管理者",  # the default operator, prefilled in the screen's language
            "[bold]別人[/bold] を読み取った",
        )
        assert screen.summary is not None
        assert screen.summary.counts.voided == 1

        select(screen, Outcome.ACCEPTED.value, "FR0000****03")
        await pilot.press("v")  # already voided: refused with a notice, no modal
        await pilot.pause()
        assert top(app) is screen
        await pilot.press("r")
        await pilot.pause()
        restore = app.screen
        assert isinstance(restore, ReasonModal)
        restore.query_one("#reason-input", Input).value = "本人確認できた"
        restore.query_one("#reason-operator", Input).value = "佐藤"
        await press(pilot, "#reason-ok")
        await settle(pilot)
        assert not any(c.voided for c in day.store.records.checkins(ACTIVITY_ID))
        assert day.store.records.audit_trail(voided[0].id)[-1].operator == "佐藤"
        assert screen.operator == "佐藤"


async def test_audit_log_shows_reasons_as_plain_text(day: Day) -> None:
    app = HostApp(day)
    async with app.run_test(size=SIZE) as pilot:
        await unlock(pilot)
        await pilot.press("l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, AuditModal)
        table = modal.query_one("#audit-table", DataTable)
        assert table.row_count == 6  # 5 scans and 1 paper record
        reasons = [table.get_row_at(i)[4].plain for i in range(table.row_count)]
        assert "paper form" in reasons
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CloseoutScreen)


async def test_add_a_paper_record(day: Day) -> None:
    app = HostApp(day, language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await unlock(pilot)
        await pilot.press("a")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ManualModal)
        await press(pilot, "#manual-ok")
        assert text_of(modal.query_one("#manual-error", Static)) == "Enter an id or a name"
        modal.query_one("#manual-registrant", Input).value = "fr12"
        await press(pilot, "#manual-ok")
        assert "FR and 10" in text_of(modal.query_one("#manual-error", Static))
        modal.query_one("#manual-registrant", Input).value = ""
        modal.query_one("#manual-name", Input).value = "=鈴木 一郎"
        modal.query_one("#manual-contact", Input).value = "0467-00-0000"
        modal.query_one("#manual-municipality", Input).value = "鎌倉市"
        modal.query_one("#manual-reason", Input).value = "late arrival, paper form"
        await press(pilot, "#manual-ok")
        await settle(pilot)
        assert top(app) is screen
        assert screen.summary is not None
        assert screen.summary.counts.accepted == 7
        added = [
            c for c in day.store.records.checkins(ACTIVITY_ID) if c.registrant.startswith("PAPER-")
        ]
        papers = [day.store.records.paper_record(c.id) for c in added]
        assert sorted(p.name for p in papers if p) == ["=鈴木 一郎", "山田 花子"]


async def test_close_the_day_offline_then_with_the_server(day: Day) -> None:
    receipts: list[dict[str, object]] = []

    def submit(payload: dict[str, object]) -> dict[str, object]:
        receipt: dict[str, object] = {
            "receipt_id": "0b4f6f8e-1111-4222-8333-944445555666",
            "digest_match": True,
            "combined_unique_count": 11,
            "device_digest": payload["digest"],
        }
        receipts.append(receipt)
        return receipt

    app = HostApp(day, language="en")
    async with app.run_test(size=SIZE) as pilot:
        screen = await unlock(pilot)
        app.context.submit_closeout = None  # offline first
        await pilot.press("c")
        await pilot.pause()
        await press(pilot, "#confirm-yes")
        await settle(pilot)
        status = text_of(screen.query_one("#coord-status", Static))
        assert status.startswith("Closed; pending: 6 not uploaded・no receipt\n")
        assert 'press "Close the day" again to get the receipt' in status  # what happens next
        assert "CLOSED" in text_of(screen.query_one("#coord-heading", Static))
        await pilot.press("v")  # a closed day cannot be corrected
        await pilot.pause()
        assert top(app) is screen

        live = day.store.records.checkins(ACTIVITY_ID, include_voided=False)
        day.store.outbox.apply_results([(c.id, "accepted", None) for c in live], at=day.clock.now())
        app.context.submit_closeout = submit
        await pilot.press("c")
        await pilot.pause()
        await press(pilot, "#confirm-yes")
        await settle(pilot)
        assert len(receipts) == 1
        assert text_of(screen.query_one("#coord-status", Static)) == "Closed, all 6 confirmed"
        assert "all kiosks 11 people" in text_of(screen.query_one("#coord-receipt", Static))


async def test_export_writes_three_files(day: Day) -> None:
    app = HostApp(day)
    async with app.run_test(size=SIZE) as pilot:
        await unlock(pilot)
        await pilot.press("e")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ExportModal)
        modal.query_one("#export-folder", Input).value = str(day.export_dir / "no" / "such")
        await press(pilot, "#export-ok")
        assert text_of(modal.query_one("#export-error", Static)) == "そのフォルダはありません"
        modal.query_one("#export-folder", Input).value = str(day.export_dir)
        await pilot.click("#enc-cp932")
        await press(pilot, "#export-ok")
        await settle(pilot)
    names = sorted(p.name for p in Path(day.export_dir).iterdir())  # noqa: ASYNC240
    assert names == [
        "furusato-2026-11-23-act-2026-11-23-beach-attendance.csv",
        "furusato-2026-11-23-act-2026-11-23-beach-record-form.csv",
        "furusato-2026-11-23-act-2026-11-23-beach-summary.txt",
    ]
    form = (day.export_dir / names[1]).read_bytes().decode("cp932")
    assert "山田 花子" in form


async def test_search_sort_and_language(day: Day) -> None:
    app = HostApp(day)
    async with app.run_test(size=SIZE) as pilot:
        screen = await unlock(pilot)
        table = screen.query_one("#coord-attempts", DataTable)
        await pilot.press("slash")
        await pilot.press(*"不受理")
        await pilot.pause()
        assert table.row_count == 2
        assert text_of(screen.query_one("#coord-shown", Static)) == "2/9 件・時刻順▼"
        screen.query_one("#coord-search", Input).value = ""
        await pilot.pause()
        assert table.row_count == 9
        first = table.get_row_at(0)[0].plain
        screen.query_one(AttemptsTable).sort_by("time")  # choosing Time again: oldest first
        screen._fill_table()
        assert table.get_row_at(0)[0].plain < first
        app.language = "en"
        await pilot.pause()
        assert str(screen.query_one("#coord-void", Button).label) == "V\nVoid"  # key, label
        assert table.ordered_columns[0].label.plain == "Time"


async def test_switch_activity_and_refresh_when_sync_progresses(day: Day, kit: PassKit) -> None:
    day.store.activities.upsert(Activity(id="act-2", name="夕方の見回り", date="2026-11-23"))
    day.store.activities.upsert(Activity(id="act-other-day", name="x", date="2026-11-24"))
    synced: list[int] = []
    app = HostApp(day)
    app.context.request_sync = lambda: synced.append(1)
    async with app.run_test(size=SIZE) as pilot:
        screen = await unlock(pilot)
        select = screen.query_one("#coord-activity", Select)
        assert screen.activity_ids == ["act-2", ACTIVITY_ID]  # same day only, by name
        select.value = "act-2"
        await settle(pilot)
        assert screen.summary is not None
        assert screen.summary.activity.id == "act-2"
        assert screen.summary.counts.accepted == 0
        assert screen.query_one("#coord-attempts", DataTable).row_count == 0

        day.service.select_activity("act-2")
        day.service.submit(sign(kit, day.clock, "FR0000000007"), Method.CAMERA)
        app.sync_state = "uploaded"
        await settle(pilot)
        assert screen.summary.counts.accepted == 1

        await pilot.press("c")
        await pilot.pause()
        await press(pilot, "#confirm-yes")
        await settle(pilot)
        assert synced == [1]
        closed = day.store.activities.get("act-2")
        assert closed is not None
        assert closed.closed_at is not None
        still_open = day.store.activities.get(ACTIVITY_ID)
        assert still_open is not None
        assert still_open.closed_at is None


async def test_closing_names_the_gates_not_synced_and_waits_for_the_upload(day: Day) -> None:
    store = day.store
    sent: list[dict[str, object]] = []
    asked: list[str] = []

    def gates(activity_id: str) -> list[GateStatus]:
        asked.append(activity_id)
        return [
            GateStatus(device_id="dev-2", name="Gate 2", pending_uploads=3),
            GateStatus(device_id="dev-3", name="Gate 3", pending_uploads=0),
        ]

    def upload(timeout: float) -> UploadOutcome:  # as the sync worker answers every item
        live = store.records.checkins(ACTIVITY_ID, include_voided=False)
        store.outbox.claim_batch(100, at=day.clock.now())
        done = store.outbox.apply_results(
            [(c.id, "accepted", None) for c in live], at=day.clock.now()
        )
        return UploadOutcome(done, store.outbox.pending_count())

    def submit(payload: dict[str, object]) -> dict[str, object]:
        sent.append(payload)
        return {"receipt_id": "r-1", "digest_match": True, "combined_unique_count": 6}

    app = HostApp(day, language="en", submit=submit)
    app.context.gate_status = gates
    app.context.flush_uploads = upload
    async with app.run_test(size=SIZE) as pilot:
        screen = await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        modal = top(app)
        assert isinstance(modal, ConfirmModal)
        question = " ".join(text_of(s) for s in modal.query(Static))
        assert "not uploaded everything yet: Gate 2 (3 not uploaded)" in question
        assert "Gate 3" not in question
        assert not sent  # nothing goes before the coordinator confirms
        await press(pilot, "#confirm-yes")
        await settle(pilot)
        assert asked == [ACTIVITY_ID]
        assert len(sent) == 1
        assert sent[0]["device_count"] == 6
        assert text_of(screen.query_one("#coord-status", Static)) == "Closed, all 6 confirmed"


async def test_closing_offline_says_the_other_gates_are_unknown(day: Day) -> None:
    def unreachable(activity_id: str) -> list[GateStatus]:
        raise ConnectionError("national API unreachable\x1b[2J")

    app = HostApp(day, language="en")
    app.context.gate_status = unreachable
    async with app.run_test(size=SIZE) as pilot:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        modal = top(app)
        assert isinstance(modal, ConfirmModal)
        question = " ".join(text_of(s) for s in modal.query(Static))
        assert "status is unknown (no connection)" in question  # plain words
        assert "unreachable" not in question  # the transport's own text goes to the log
