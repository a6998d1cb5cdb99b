"""Camera states with their fix, recovery, and the real pipeline on a synthetic source."""

from __future__ import annotations

from kiosk.checkins import CheckinService
from kiosk.models import Outcome
from kiosk.scan.frames import SourceState
from screens.scan import ScanScreen
from screens.scanning import PipelineScanner, Scanner
from screens.widgets.banner import ResultBanner
from screens.widgets.counters import Counters
from screens.widgets.status import StatusBar
from tests.ui.conftest import Kiosk, ScannerBox, to_scan, wait_until
from tests.ui.test_scan import banner_text


async def test_camera_lost_and_recovered(kiosk: Kiosk) -> None:
    box = ScannerBox()
    app = kiosk.app(scanner_factory=box, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        await wait_until(pilot, lambda: app.camera_state is SourceState.LIVE)
        scanner = box.scanner
        assert scanner is not None
        banner = screen.query_one(ResultBanner)
        assert banner.state == "ready"

        scanner.script.put(SourceState.NOT_FOUND)
        await wait_until(pilot, lambda: banner.state == "problem")
        text = banner_text(screen)
        assert text.startswith("⚠ no camera")
        assert "Check the camera is plugged in" in text
        assert "kiosk doctor" not in text  # volunteers get plain words, not tool names
        bar = screen.query_one(StatusBar)
        assert bar.info is not None
        assert "no camera" in bar.render_info(bar.info).plain

        scanner.script.put(SourceState.RECONNECTING)
        await wait_until(pilot, lambda: app.camera_state is SourceState.RECONNECTING)
        assert "Check the camera cable" in banner_text(screen)

        scanner.script.put(SourceState.LIVE)
        await wait_until(pilot, lambda: banner.state == "ready")
        scanner.script.put(kiosk.sign())
        await wait_until(pilot, lambda: banner.state == "accepted")
        assert screen.query_one(Counters).values["accepted"] == 1


async def test_camera_in_japanese_says_plug_in(kiosk: Kiosk) -> None:
    box = ScannerBox()
    app = kiosk.app(scanner_factory=box)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await wait_until(pilot, lambda: app.camera_state is SourceState.LIVE)
        assert box.scanner is not None
        box.scanner.script.put(SourceState.NOT_FOUND)
        await wait_until(pilot, lambda: app.camera_state is SourceState.NOT_FOUND)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        assert "カメラがつながっているか確認してください" in banner_text(screen)


class CrashingScanner:
    def start(self, *_args: object) -> None:
        raise RuntimeError("driver exploded")

    def stop(self) -> None:
        raise AssertionError("a scanner that never started is not stopped")


async def test_scanner_crash_is_a_state_not_a_traceback(kiosk: Kiosk) -> None:
    def factory(_service: CheckinService) -> Scanner:
        return CrashingScanner()

    app = kiosk.app(scanner_factory=factory, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await wait_until(pilot, lambda: app.camera_state is SourceState.FAILED)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        assert "Plug the camera in again" in banner_text(screen)


async def test_real_pipeline_on_synthetic_source(kiosk: Kiosk) -> None:
    from kiosk.scan.settings import ScanSettings
    from kiosk.scan.synthetic import SyntheticSource

    passes = [kiosk.sign(), kiosk.sign(sub="FR0000000001")]
    source = SyntheticSource.from_passes(
        passes,
        width=640,
        height=480,
        fps=30,
        hold_frames=3,
        gap_frames=2,
        effects=("plain",),
        realtime=False,
    )

    def factory(service: CheckinService) -> Scanner:
        return PipelineScanner(service, source, ScanSettings(realtime=False))

    app = kiosk.app(scanner_factory=factory)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        counters = screen.query_one(Counters)
        await wait_until(pilot, lambda: counters.values["accepted"] == 2, limit_s=20)
        attempts = kiosk.services.store.records.attempts(kiosk.services.checkins.activity_id)
        assert sorted(a.outcome for a in attempts) == [Outcome.ACCEPTED, Outcome.ACCEPTED]
        assert {a.method for a in attempts} == {"camera"}
        await wait_until(pilot, lambda: app.camera_state is SourceState.STOPPED, limit_s=10)
