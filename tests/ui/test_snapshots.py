"""Snapshots of every kiosk screen and banner state, in both languages.

Deterministic on any CPU: fixed terminal size, fixed clock (10:30 Tokyo), fixed registrant
ids, dark theme, no animation, steady cursors (the snap_compare fixture refuses a blinking
one), banners that outlast the set-up, set-ups that wait on state (`settle`), not on rounds.
Update with `pytest tests/ui --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.models import Method
from kiosk.scan.frames import SourceState
from kiosk.store import StorageFull
from screens.scan import ScanScreen
from tests.ui.conftest import Kiosk, ScannerBox, settle, to_scan, wait_until, write_config

SnapCompare = Callable[..., bool]
LANGS = pytest.mark.parametrize("language", ["ja", "en"])


@pytest.fixture(autouse=True)
def _banner_outlasts_the_setup(kiosk: Kiosk) -> None:
    """A result banner returns to "ready" after banner_seconds of wall time: on a slow CPU
    a 3 s banner can expire before the picture is taken. The longest allowed keeps it."""
    kiosk.services.config = write_config(kiosk.root, kiosk.root / "jwks.json", banner_seconds=60)


def submit(kiosk: Kiosk, *payloads: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await to_scan(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ScanScreen)
        for payload in payloads:
            screen.submit(payload, Method.CAMERA)
            await settle(pilot)

    return run_before


def expired(kiosk: Kiosk) -> str:
    now = int(kiosk.clock.now().timestamp())
    return kiosk.sign(sub="FR0000000009", iat=now - 7200, exp=now - 3600)


@LANGS
def test_start(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    async def loaded(pilot: Pilot[Any]) -> None:
        await settle(pilot)

    assert snap_compare(kiosk.app(language=language), run_before=loaded)


@LANGS
def test_ready(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    assert snap_compare(kiosk.app(language=language), run_before=submit(kiosk))


@LANGS
def test_accepted(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    app = kiosk.app(language=language)
    assert snap_compare(app, run_before=submit(kiosk, kiosk.sign()))


@LANGS
def test_duplicate(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    app = kiosk.app(language=language)
    assert snap_compare(app, run_before=submit(kiosk, kiosk.sign(), kiosk.sign()))


@LANGS
def test_rejected(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    app = kiosk.app(language=language)
    assert snap_compare(app, run_before=submit(kiosk, kiosk.sign(), expired(kiosk)))


@LANGS
def test_storage_full(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    def full(*_args: object, **_kwargs: object) -> object:
        raise StorageFull("database or disk is full")

    kiosk.services.store.records.record_checkin = full  # type: ignore[assignment,method-assign]
    app = kiosk.app(language=language)
    assert snap_compare(app, run_before=submit(kiosk, kiosk.sign(), kiosk.sign()))


@LANGS
def test_camera_missing(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    box = ScannerBox()

    async def unplugged(pilot: Pilot[Any]) -> None:
        await to_scan(pilot)
        app = pilot.app
        await wait_until(pilot, lambda: app.camera_state is SourceState.LIVE)  # type: ignore[attr-defined]
        assert box.scanner is not None
        box.scanner.script.put(SourceState.NOT_FOUND)
        await wait_until(pilot, lambda: app.camera_state is SourceState.NOT_FOUND)  # type: ignore[attr-defined]

    app = kiosk.app(language=language, scanner_factory=box)
    assert snap_compare(app, run_before=unplugged)


@LANGS
def test_manual_with_validation(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    async def typed(pilot: Pilot[Any]) -> None:
        await to_scan(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press(*"FR12", "enter")
        await settle(pilot)

    assert snap_compare(kiosk.app(language=language), run_before=typed)


@LANGS
def test_recent_with_undo_confirm(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    async def confirm(pilot: Pilot[Any]) -> None:
        await submit(kiosk, kiosk.sign(), kiosk.sign(), expired(kiosk))(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)

    assert snap_compare(kiosk.app(language=language), run_before=confirm)


@LANGS
def test_error_screen(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    async def broken(pilot: Pilot[Any]) -> None:
        await submit(kiosk, kiosk.sign())(pilot)

        def fail(_activity: str, limit: int | None = None) -> object:
            raise RuntimeError("boom")

        kiosk.services.store.records.attempts = fail  # type: ignore[assignment,method-assign]
        await pilot.press("f3")  # off the scan path: a failure there shows the error screen
        await settle(pilot)

    assert snap_compare(kiosk.app(language=language), run_before=broken)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_large_display(snap_compare: SnapCompare, kiosk: Kiosk, language: str) -> None:
    app = kiosk.app(language=language)
    assert snap_compare(app, run_before=submit(kiosk, kiosk.sign()), terminal_size=(120, 36))


def test_large_display_start(snap_compare: SnapCompare, kiosk: Kiosk) -> None:
    async def loaded(pilot: Pilot[Any]) -> None:
        await settle(pilot)

    assert snap_compare(kiosk.app(), run_before=loaded, terminal_size=(120, 36))
