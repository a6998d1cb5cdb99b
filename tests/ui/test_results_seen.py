"""Every result is seen (screens.results): numbered, a red one held at least 1.5 s and until
the next scan, and a decision made while another screen is open shows as a band on it.

Time is the kiosk clock's (a FixedClock the tests advance): nothing here sleeps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.clock import FixedClock
from kiosk.models import CheckinResult, Method, Outcome, Reason
from kiosk.pin import PinGate
from kiosk.scan.frames import SourceState
from screens.activity_qr import ActivityQrScreen
from screens.coordinator import CloseoutScreen, coordinator_hook
from screens.coordinator.pin import PinModal
from screens.manual import ManualScreen
from screens.recent import RecentScreen
from screens.results import RED_MIN_S, ResultQueue
from screens.scan import ScanScreen
from screens.widgets.banner import ResultBanner, ResultOverlay
from tests.ui.conftest import Kiosk, ScannerBox, settle, to_scan, wait_until, write_config
from tests.ui.test_scan import banner_text

PIN = "2468"


def decision(outcome: Outcome, n: int = 0) -> CheckinResult:
    return CheckinResult(
        outcome=outcome,
        reason=Reason.EXPIRED if outcome is Outcome.REJECTED else None,
        registrant=f"FR0000****{n:02d}",
        checkin_id=None,
        attempt_id=f"a{n}",
        method=Method.CAMERA,
        activity_id="act",
        decided_at=datetime(2026, 11, 23, 1, 30, tzinfo=UTC),
        latency_ms=1.0,
    )


class Mono:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_queue_numbers_results_and_holds_a_red_one() -> None:
    mono = Mono()
    queue = ResultQueue(0.5, mono)
    assert queue.add(decision(Outcome.REJECTED, 1))
    assert queue.current is not None
    assert queue.current.number == 1
    assert not queue.add(decision(Outcome.ACCEPTED, 2))  # too soon: it waits
    assert queue.waiting == 1
    mono.now += RED_MIN_S - 0.01
    assert not queue.tick()
    assert queue.current.red
    mono.now += 0.01
    assert queue.tick()
    assert queue.current.number == 2
    assert queue.current.result.outcome is Outcome.ACCEPTED
    assert queue.waiting == 0
    mono.now += 0.5  # banner_seconds: an accepted result rests back to ready
    assert queue.tick()
    assert queue.current is None


def test_red_stays_until_the_next_scan_and_banner_seconds() -> None:
    mono = Mono()
    queue = ResultQueue(3.0, mono)
    queue.add(decision(Outcome.REJECTED, 1))
    mono.now += 600  # no next scan: still up
    assert not queue.tick()
    assert queue.current is not None
    assert queue.current.red
    queue.add(decision(Outcome.ACCEPTED, 2))  # the next scan replaces it at once now
    assert queue.current.number == 2
    queue.add(decision(Outcome.REJECTED, 3))  # waits: #2 has been up less than 0.5 s
    mono.now += 0.5
    queue.add(decision(Outcome.ACCEPTED, 4))  # #3 goes up now; #4 waits behind it
    assert queue.current.number == 3
    assert queue.waiting == 1
    mono.now += 2.9  # a red result is held banner_seconds (3 s) when that is longer
    assert not queue.tick()
    mono.now += 0.1
    assert queue.tick()
    assert queue.current.number == 4


def test_every_result_is_up_at_least_half_a_second() -> None:
    mono = Mono()
    queue = ResultQueue(3.0, mono)
    queue.add(decision(Outcome.ACCEPTED, 1))
    assert not queue.add(decision(Outcome.ACCEPTED, 2))  # two in a row: both are shown
    mono.now += 0.5
    assert queue.tick()
    assert queue.current is not None
    assert queue.current.number == 2


async def test_rejected_then_accepted_quickly_shows_the_rejection_for_1_5_s(
    kiosk: Kiosk,
) -> None:
    kiosk.services.config = write_config(kiosk.root, kiosk.root / "jwks.json", banner_seconds=0.5)
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        banner = screen.query_one(ResultBanner)
        now = int(kiosk.clock.now().timestamp())
        screen.submit(kiosk.sign(sub="FR0000000009", iat=now - 7200, exp=now - 3600), Method.WEDGE)
        await settle(pilot)
        screen.submit(kiosk.sign(), Method.WEDGE)  # the next person, a moment later
        await settle(pilot)
        assert banner.state == "rejected"
        assert banner.number == 1
        assert "次の結果があと 1 件" in str(banner.query_one("#banner-waiting").render())
        kiosk.clock.advance(1.4)
        await settle(pilot)
        await pilot.pause(0.2)  # two polls of the result timer: still red
        assert banner.state == "rejected"
        kiosk.clock.advance(0.1)  # 1.5 s after it went up
        await wait_until(pilot, lambda: banner.state == "accepted")
        assert banner.number == 2
        assert "2 件目" in str(banner.query_one("#banner-number").render())
        assert "✓ 受付しました" in banner_text(screen)


def _pin_gate() -> PinGate:
    return PinGate(lambda: PIN, clock=Mono(), verify=lambda pin, stored: pin == stored)


async def _open_coordinator(pilot: Pilot[Any]) -> None:
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PinModal)


async def _unlock(pilot: Pilot[Any]) -> None:
    await pilot.press(*PIN, "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CloseoutScreen)


@pytest.mark.parametrize(
    ("keys", "screen_type"),
    [
        (("f2",), ManualScreen),
        (("f3",), RecentScreen),
        (("f7",), ActivityQrScreen),
        (("f9",), PinModal),
        (("f9", "pin"), CloseoutScreen),
    ],
    ids=["manual", "recent", "activity-qr", "coordinator-pin", "coordinator"],
)
async def test_a_decision_behind_another_screen_shows_on_it(
    kiosk: Kiosk, tmp_path: Path, keys: tuple[str, ...], screen_type: type
) -> None:
    box = ScannerBox()
    hook = coordinator_hook(pin=_pin_gate(), export_dir=tmp_path)
    app = kiosk.app(scanner_factory=box, coordinator=hook)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await wait_until(pilot, lambda: app.camera_state is SourceState.LIVE)
        for key in keys:
            if key == "pin":
                await _unlock(pilot)
            else:
                await pilot.press(key)
                await settle(pilot)
        screen = app.screen
        assert isinstance(screen, screen_type)
        overlay = screen.query_one(ResultOverlay)
        assert not overlay.has_class("-visible")  # nothing decided since it opened
        now = int(kiosk.clock.now().timestamp())
        assert box.scanner is not None
        box.scanner.script.put(kiosk.sign(sub="FR0000000009", iat=now - 7200, exp=now - 3600))
        await wait_until(pilot, lambda: overlay.has_class("-visible"))
        assert app.screen is screen  # the screen stays; the volunteer's typing is untouched
        assert overlay.state == "rejected"
        assert overlay.number == 1
        assert "✗ 受付できません" in str(overlay.query_one("#banner-title").render())
        assert "アプリでパスを更新" in str(overlay.query_one("#banner-hint").render())
        assert screen.region.width == overlay.region.width  # full width
        # the gate's own banner shows it too, for when the volunteer goes back
        gate = next(s for s in app.screen_stack if isinstance(s, ScanScreen))
        assert gate.query_one(ResultBanner).state == "rejected"


async def test_tapping_the_band_hides_it_for_that_result(kiosk: Kiosk) -> None:
    box = ScannerBox()
    app = kiosk.app(scanner_factory=box)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await wait_until(pilot, lambda: app.camera_state is SourceState.LIVE)
        await pilot.press("f3")
        await settle(pilot)
        overlay = app.screen.query_one(ResultOverlay)
        assert box.scanner is not None
        box.scanner.script.put(kiosk.sign())
        await wait_until(pilot, lambda: overlay.has_class("-visible"))
        await pilot.click(ResultOverlay)
        assert not overlay.has_class("-visible")
        box.scanner.script.put(kiosk.sign(sub="FR0000000001"))  # a new result comes up again
        await wait_until(pilot, lambda: app.results_waiting == 1)  # after 0.5 s (kiosk clock)
        kiosk.clock.advance(0.5)
        await wait_until(pilot, lambda: overlay.has_class("-visible") and overlay.number == 2)


def test_fixed_clock_is_what_moves_banners() -> None:
    """The queue reads the injected clock only (a FixedClock that is not advanced never
    times a banner out: snapshots are the same on any CPU)."""
    clock = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
    queue = ResultQueue(0.5, clock.monotonic)
    queue.add(decision(Outcome.ACCEPTED))
    assert not queue.tick()
    clock.advance(0.5)
    assert queue.tick()
    assert queue.current is None
