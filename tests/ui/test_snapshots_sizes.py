"""The screens a volunteer and a coordinator use most, at the smallest supported terminal
(80x24) and a common large one (120x40), in Japanese and English: the scan screen for each
outcome, manual entry and the close-out. Deterministic on any CPU: the banner's time is the
fixed kiosk clock (it never times out in a snapshot), set-ups wait on state, cursors are steady.
Update with `make snapshots` and look at the SVGs."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.models import Method
from kiosk.pin import PinGate
from screens.coordinator import CloseoutScreen, coordinator_hook
from screens.manual import ManualScreen
from screens.scan import ScanScreen
from tests.ui.conftest import Kiosk, settle, to_scan

SnapCompare = Callable[..., bool]
PIN = "2468"
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
LANGS = pytest.mark.parametrize("language", ["ja", "en"])
OUTCOMES = pytest.mark.parametrize("outcome", ["ready", "accepted", "duplicate", "rejected"])


class Mono:
    def __call__(self) -> float:
        return 1000.0


def scans(kiosk: Kiosk, outcome: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    now = int(kiosk.clock.now().timestamp())
    payloads = {
        "ready": [],
        "accepted": [kiosk.sign()],
        "duplicate": [kiosk.sign(), kiosk.sign()],
        "rejected": [kiosk.sign(sub="FR0000000009", iat=now - 7200, exp=now - 3600)],
    }[outcome]

    async def run_before(pilot: Pilot[Any]) -> None:
        await to_scan(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ScanScreen)
        for payload in payloads:
            kiosk.clock.advance(1)  # each result up its 0.5 s before the next
            screen.submit(payload, Method.CAMERA)
            await settle(pilot)
        await settle(pilot)

    return run_before


@SIZES
@LANGS
@OUTCOMES
def test_scan(
    snap_compare: SnapCompare, kiosk: Kiosk, language: str, size: tuple[int, int], outcome: str
) -> None:
    app = kiosk.app(language=language)
    assert snap_compare(app, run_before=scans(kiosk, outcome), terminal_size=size)


@SIZES
@LANGS
def test_manual_entry(
    snap_compare: SnapCompare, kiosk: Kiosk, language: str, size: tuple[int, int]
) -> None:
    async def typed(pilot: Pilot[Any]) -> None:
        await to_scan(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press(*"FR12", "enter")  # the id is checked: what is wrong with it
        screen = pilot.app.screen
        assert isinstance(screen, ManualScreen)
        screen.query_one("#contact", Input).value = "12"
        screen.record_paper()  # the paper form lists every problem at once
        await settle(pilot)

    assert snap_compare(kiosk.app(language=language), run_before=typed, terminal_size=size)


@SIZES
@LANGS
def test_closeout(
    snap_compare: SnapCompare,
    kiosk: Kiosk,
    tmp_path: Path,
    language: str,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = (uuid.UUID(int=n, version=4) for n in itertools.count(1))
    monkeypatch.setattr(uuid, "uuid4", lambda: next(ids))  # the digest shown is stable
    gate = PinGate(lambda: PIN, clock=Mono(), verify=lambda pin, stored: pin == stored)
    hook = coordinator_hook(pin=gate, export_dir=tmp_path)
    now = int(kiosk.clock.now().timestamp())
    service = kiosk.services.checkins
    for n in range(1, 10):
        kiosk.clock.advance(60)
        service.submit(kiosk.sign(sub=f"FR000000000{n}"), Method.CAMERA)
    service.submit(kiosk.sign(sub="FR0000000001"), Method.CAMERA)
    service.submit(kiosk.sign(sub="FR0000000009", iat=now - 7200, exp=now - 3600), Method.WEDGE)

    async def unlocked(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press(*PIN, "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CloseoutScreen)

    app = kiosk.app(language=language, coordinator=hook)
    assert snap_compare(app, run_before=unlocked, terminal_size=size)
