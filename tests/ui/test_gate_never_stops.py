"""Nothing stops the gate: the field report's crafted pass (a JWS header of 1,000 `[`, and
deeper ones) through the keyboard wedge and through camera frames read by the real decoder.
Each is recorded as rejected, the next valid pass is accepted, no dialog opens, the app runs.
(`kiosk scan --source -` gets the same in tests/unit/cli/test_scan_hostile.py.)"""

from __future__ import annotations

from kiosk.checkins import CheckinService
from kiosk.models import Method
from kiosk.scan.render import CodeSpec, Style
from kiosk.scan.settings import ScanSettings
from kiosk.scan.synthetic import Shot, SyntheticSource
from screens.results import RED_MIN_S
from screens.scan import ScanScreen
from screens.scanning import PipelineScanner
from screens.widgets.banner import ResultBanner
from tests.hostile import deep
from tests.passkit import b64url
from tests.ui.conftest import Kiosk, settle, to_scan, wait_until, wedge_type


def nested_header(depth: int) -> str:
    return b64url(deep(depth).encode()) + ".e30.AAAA"


def decisions(kiosk: Kiosk) -> list[tuple[str, str, str | None]]:
    """Every recorded attempt, in the order recorded."""
    with kiosk.services.store.database.read() as con:
        rows = con.execute("SELECT method, outcome, reason FROM attempt ORDER BY rowid")
        return [(str(m), str(o), r) for m, o, r in rows]


async def test_crafted_headers_through_the_wedge(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        banner = screen.query_one(ResultBanner)
        for depth in (1000, 3000):
            await wedge_type(pilot, nested_header(depth))
            await settle(pilot)
            assert app.screen is screen  # no dialog to swallow the next scan's Enter
            assert banner.state == "rejected"
            kiosk.clock.advance(RED_MIN_S + kiosk.config.ui.banner_seconds)  # seen, then next
        await wedge_type(pilot, kiosk.sign())
        await wait_until(pilot, lambda: banner.state == "accepted")
        assert app.screen is screen
        assert app.is_running
    assert decisions(kiosk) == [
        ("wedge", "rejected", "bad_encoding"),
        ("wedge", "rejected", "bad_encoding"),
        ("wedge", "accepted", None),
    ]


async def test_crafted_headers_through_camera_frames(kiosk: Kiosk) -> None:
    payloads = [nested_header(depth) for depth in (1000, 1500, 2000)] + [kiosk.sign()]
    shots = [
        shot
        for payload in payloads
        for shot in (
            Shot((CodeSpec(payload, module_px=3.0, error="l"),), Style(), frames=3),
            Shot((), Style(), frames=2),
        )
    ]

    def scanner(service: CheckinService) -> PipelineScanner:
        source = SyntheticSource(shots, realtime=False)
        return PipelineScanner(service, source, ScanSettings(realtime=False))

    app = kiosk.app(scanner_factory=scanner, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        await wait_until(pilot, lambda: len(decisions(kiosk)) == len(payloads), limit_s=60)
        banner = screen.query_one(ResultBanner)
        for number in range(1, len(payloads) + 1):  # each result is seen in turn, in order

            def up(n: int = number) -> bool:
                return banner.shown == n

            await wait_until(pilot, up)
            assert app.screen is screen
            kiosk.clock.advance(RED_MIN_S + kiosk.config.ui.banner_seconds)  # read: the next
        assert banner.state == "accepted"  # the last is the valid pass
        assert app.is_running
    assert decisions(kiosk) == [
        ("camera", "rejected", "bad_encoding"),
        ("camera", "rejected", "bad_encoding"),
        ("camera", "rejected", "bad_encoding"),
        ("camera", "accepted", None),
    ]
    assert {m for m, _, _ in decisions(kiosk)} == {Method.CAMERA.value}
