"""Manual entry: registrant id lookup and the paper form, with validation messages."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Button, Input, Static

from kiosk.models import Method
from kiosk.store import ServerAnswer
from screens.manual import ManualScreen
from screens.scan import ScanScreen
from screens.widgets.banner import ResultBanner
from screens.widgets.counters import Counters
from tests.ui.conftest import NOW, Kiosk, settle, to_scan, wait_until


def error_text(screen: ManualScreen, widget_id: str) -> str:
    content = screen.query_one(f"#{widget_id}", Static).content
    return content.plain if isinstance(content, Text) else str(content)


async def open_manual(pilot: object) -> ManualScreen:
    await to_scan(pilot)  # type: ignore[arg-type]
    await pilot.press("f2")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ManualScreen)
    return screen


async def test_manual_id_checks_in(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_manual(pilot)
        assert app.focused is screen.query_one("#registrant", Input)
        await pilot.press(*"fr7k-3m9q-2xpd", "enter")  # lower case and hyphens are fine
        assert isinstance(app.screen, ManualScreen)  # Enter checks, then asks for the button
        confirm = app.translator("manual.id_confirm")
        assert confirm in str(app.screen.query_one("#id-error").render())
        await pilot.press("enter")  # the button has the focus now
        await settle(pilot)
        scan = app.screen
        assert isinstance(scan, ScanScreen)
        banner = scan.query_one(ResultBanner)
        assert banner.state == "accepted"
        assert banner.result is not None
        assert banner.result.method is Method.MANUAL
        assert banner.result.registrant == "FR7K3M****PD"
        assert scan.query_one(Counters).values["accepted"] == 1
        (checkin,) = kiosk.services.store.records.checkins(kiosk.services.checkins.activity_id)
        assert checkin.registrant == "FR7K3M9Q2XPD"
        trail = kiosk.services.store.records.audit_trail(checkin.id)
        assert [(a.action, a.reason) for a in trail] == [
            ("manual_add", "manual entry at gate (registrant id)")
        ]


async def test_manual_id_twice_is_duplicate(kiosk: Kiosk) -> None:
    kiosk.services.checkins.submit(kiosk.sign(), Method.CAMERA)
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manual(pilot)
        await pilot.press(*"FR7K3M9Q2XPD", "enter", "enter")
        await settle(pilot)
        banner = app.screen.query_one(ResultBanner)
        assert banner.state == "duplicate"
        assert banner.result is not None
        assert banner.result.first_at is not None


async def test_manual_id_validation(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_manual(pilot)
        await pilot.press(*"FR123", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert "FR + 10 letters/digits" in error_text(screen, "id-error")
        assert kiosk.services.store.records.attempts(kiosk.services.checkins.activity_id) == []


async def test_paper_form_validation_then_record(kiosk: Kiosk) -> None:
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_manual(pilot)

        button = screen.query_one("#record-paper", Button)

        async def record_paper(expected_error: str) -> None:
            """Click the button and wait until the form says what is wrong. A button ignores
            clicks while it still shows the last one (`-active`, 0.2 s), so wait for that."""
            await wait_until(pilot, lambda: not button.has_class("-active"))
            before = error_text(screen, "paper-error")
            await pilot.click("#record-paper")
            await wait_until(pilot, lambda: error_text(screen, "paper-error") != before)
            assert expected_error in error_text(screen, "paper-error")

        await record_paper("氏名を入力してください")
        screen.query_one("#name", Input).value = "山田 花子"
        screen.query_one("#contact", Input).value = "12"
        await record_paper("電話番号かメールアドレス")
        screen.query_one("#contact", Input).value = "090-1234-5678"
        screen.query_one("#municipality", Input).value = "131017"  # wrong check digit
        await record_paper("市区町村コード（6桁）が正しくありません")
        assert app.focused is screen.query_one("#municipality", Input)
        screen.query_one("#municipality", Input).value = "131016"
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, ScanScreen)
                and app.screen.query_one(ResultBanner).result is not None
            ),
        )
        scan = app.screen
        assert isinstance(scan, ScanScreen)
        banner = scan.query_one(ResultBanner)
        assert banner.state == "accepted"
        assert banner.result is not None
        assert banner.result.method is Method.PAPER
        (checkin,) = kiosk.services.store.records.checkins(kiosk.services.checkins.activity_id)
        record = kiosk.services.store.records.paper_record(checkin.id)
        assert record is not None
        assert (record.name, record.contact, record.municipality) == (
            "山田 花子",
            "090-1234-5678",
            "131016",
        )


async def test_escape_returns_without_recording(kiosk: Kiosk) -> None:
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manual(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ScanScreen)
        assert app.screen.query_one(ResultBanner).state == "ready"


def banner_text(banner: ResultBanner) -> str:
    parts = []
    for name in ("banner-title", "banner-detail", "banner-hint"):
        content = banner.query_one(f"#{name}", Static).content
        parts.append(content.plain if isinstance(content, Text) else str(content))
    return "\n".join(parts)


async def test_a_typed_in_id_is_recorded_and_the_volunteer_told_it_needs_a_coordinator(
    kiosk: Kiosk,
) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manual(pilot)
        await pilot.press(*"FR7K3M9Q2XPD", "enter", "enter")  # check, then the button
        await settle(pilot)
        banner = app.screen.query_one(ResultBanner)
        assert banner.state == "accepted"
        assert "counts toward premium once a coordinator confirms it" in banner_text(banner)
    (checkin,) = kiosk.services.store.records.checkins(kiosk.services.checkins.activity_id)
    assert (checkin.attested_by, checkin.attestation_reason) == (None, None)


async def test_a_duplicate_names_the_gate_that_checked_the_person_in_first(kiosk: Kiosk) -> None:
    store, activity = kiosk.services.store, kiosk.services.checkins.activity_id
    first = kiosk.services.checkins.submit(kiosk.sign(), Method.CAMERA)
    assert first.checkin_id is not None
    store.outbox.claim_batch(10, at=NOW)
    store.outbox.apply_results(  # the server: Gate 1 recorded this person first, at 10:12
        [(first.checkin_id, "duplicate", None)],
        at=NOW,
        answers={
            first.checkin_id: ServerAnswer(
                counts=True,
                first_checkin_id="0f0e0d0c-0000-4000-8000-000000000001",
                first_device_id="dev-1",
                first_device_name="Gate 1",
                first_scanned_at="2026-11-23T01:12:00+00:00",
            )
        },
    )
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_manual(pilot)
        await pilot.press(*"FR7K3M9Q2XPD", "enter", "enter")  # check, then the button
        await settle(pilot)
        banner = app.screen.query_one(ResultBanner)
        assert banner.state == "duplicate"
        assert "first checked in at Gate 1, 10:12" in banner_text(banner)
        app.action_toggle_language()
        await settle(pilot)
        assert "最初の受付 Gate 1・10:12" in banner_text(banner)
    assert len(store.records.checkins(activity)) == 1
