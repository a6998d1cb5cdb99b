"""The gate: each decision shows symbol + word + colour, the counters follow, the banner rests."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Digits, Static

from kiosk.models import Method, Outcome
from screens.messages import ScanDecided
from screens.scan import ScanScreen
from screens.widgets.banner import ResultBanner
from screens.widgets.counters import Counters
from screens.widgets.status import StatusBar
from tests.ui.conftest import Kiosk, settle, to_scan, wait_until, write_config


def banner_text(screen: ScanScreen) -> str:
    parts = []
    for widget_id in ("banner-title", "banner-detail", "banner-hint"):
        content = screen.query_one(f"#{widget_id}", Static).content
        parts.append(content.plain if isinstance(content, Text) else str(content))
    return "\n".join(parts)


def scan_screen(app: object) -> ScanScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ScanScreen)
    return screen


async def test_accepted_shows_banner_and_counts(kiosk: Kiosk) -> None:
    app = kiosk.app()
    messages: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await to_scan(pilot)
        screen = scan_screen(app)
        screen.submit(kiosk.sign(), Method.CAMERA)
        await settle(pilot)
        banner = screen.query_one(ResultBanner)
        assert banner.state == "accepted"
        assert banner.has_class("-accepted")
        text = banner_text(screen)
        assert "✓ 受付しました" in text
        assert "FR7K3M****PD" in text
        counters = screen.query_one(Counters)
        assert counters.values == {"accepted": 1, "unique": 1, "duplicates": 0, "rejected": 0}
        assert screen.query_one("#counter-accepted").query_one(Digits).value == "1"
        decided = [m for m in messages if isinstance(m, ScanDecided)]
        assert [m.result.outcome for m in decided] == [Outcome.ACCEPTED]


async def test_duplicate_shows_first_time(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = scan_screen(app)
        screen.submit(kiosk.sign(), Method.CAMERA)
        await settle(pilot)
        kiosk.clock.advance(120)
        screen.submit(kiosk.sign(), Method.CAMERA)  # a second pass of the same registrant
        await settle(pilot)
        banner = screen.query_one(ResultBanner)
        assert banner.state == "duplicate"
        text = banner_text(screen)
        assert "↺ ALREADY CHECKED IN" in text
        assert "first at 10:30" in text  # 01:30 UTC shown in Tokyo time
        counters = screen.query_one(Counters).values
        assert counters == {"accepted": 1, "unique": 1, "duplicates": 1, "rejected": 0}


async def test_rejected_says_why_and_what_next(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = scan_screen(app)
        now = int(kiosk.clock.now().timestamp())
        screen.submit(kiosk.sign(iat=now - 7200, exp=now - 3600), Method.CAMERA)
        await settle(pilot)
        banner = screen.query_one(ResultBanner)
        assert banner.state == "rejected"
        text = banner_text(screen)
        assert "✗ NOT ACCEPTED: The pass has expired" in text
        assert "Ask them to renew the pass in the app" in text
        assert screen.query_one(Counters).values["rejected"] == 1


async def test_forged_pass_rejected_in_japanese(kiosk: Kiosk) -> None:
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = scan_screen(app)
        token = kiosk.sign()
        head, body, sig = token.split(".")
        forged = f"{head}.{body}.{sig[:-4]}AAAA"
        screen.submit(forged, Method.CAMERA)
        await settle(pilot)
        assert "✗ 受付できません: パスの署名が正しくありません" in banner_text(screen)


async def test_banner_returns_to_ready(kiosk: Kiosk) -> None:
    kiosk.services.config = write_config(kiosk.root, kiosk.root / "jwks.json", banner_seconds=0.5)
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = scan_screen(app)
        banner = screen.query_one(ResultBanner)
        assert banner.shown == 0
        screen.submit(kiosk.sign(), Method.CAMERA)
        await settle(pilot)
        assert banner.state == "accepted"
        assert banner.shown == 1
        kiosk.clock.advance(0.4)  # the banner's time is the kiosk clock's: not yet
        await settle(pilot)
        assert banner.state == "accepted"
        kiosk.clock.advance(0.1)
        await wait_until(pilot, lambda: banner.state == "ready")
        assert banner.result is None
        assert "▣ 読み取り待ち" in banner_text(screen)
        await settle(pilot)
        assert screen.query_one(Counters).values["accepted"] == 1


async def test_status_bar_shows_offline_pending_and_clock(kiosk: Kiosk) -> None:
    kiosk.clock._trusted = False
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = scan_screen(app)
        screen.submit(kiosk.sign(), Method.CAMERA)
        await settle(pilot)
        bar = screen.query_one(StatusBar)
        assert bar.info is not None
        text = bar.render_info(bar.info).plain
        assert "Beach clean-up" in text
        assert "offline mode" in text
        assert "pending 1" in text
        assert "no camera" in text
        assert "clock not verified" in text


async def test_storage_full_stops_scanning(kiosk: Kiosk) -> None:
    from kiosk.store import StorageFull

    def full(*_args: object, **_kwargs: object) -> object:
        raise StorageFull("database or disk is full")

    kiosk.services.store.records.record_checkin = full  # type: ignore[assignment,method-assign]
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = scan_screen(app)
        screen.submit(kiosk.sign(), Method.CAMERA)
        await settle(pilot)
        assert screen.storage_full
        assert app.storage_full
        assert "CANNOT SAVE" not in banner_text(screen)  # the decision itself is shown first
        assert "Storage is full" in banner_text(screen)
        screen.submit(kiosk.sign(sub="FR0000000001"), Method.CAMERA)
        await settle(pilot)
        assert "CANNOT SAVE - SCANNING STOPPED" in banner_text(screen)
        bar = screen.query_one(StatusBar)
        assert bar.info is not None
        assert "storage full" in bar.render_info(bar.info).plain
