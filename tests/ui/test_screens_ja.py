"""Japanese mode shows Japanese: a tour of every screen at 80x24 reads the terminal back and
finds no ASCII word other than ids, key caps, formats and units; and no button or key label is
wider than its widget (nothing clipped), in both languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button

from kiosk.models import Method
from kiosk.pin import PinGate
from screens.coordinator import CloseoutScreen, coordinator_hook
from screens.scan import ScanScreen
from screens.widgets.keybar import KeyChip
from tests.ui.conftest import Kiosk, settle, to_scan
from tests.ui.screen_text import ascii_words, clipped, screen_lines

PIN = "2468"


class Mono:
    def __call__(self) -> float:
        return 1000.0


async def tour(pilot: Pilot[Any], kiosk: Kiosk) -> dict[str, list[str]]:
    """Every screen a volunteer and a coordinator see, as lines of text."""
    seen: dict[str, list[str]] = {}

    async def look(name: str) -> None:
        await settle(pilot)
        seen[name] = screen_lines(pilot.app)
        for widget in pilot.app.screen.query(KeyChip):
            assert not clipped(widget, widget.content.plain), (name, widget.content.plain)  # type: ignore[union-attr]
        for button in pilot.app.screen.query(Button):
            if button.display:
                assert not clipped(button, str(button.label)), (name, str(button.label))

    app = pilot.app
    await settle(pilot)
    await look("start")
    await to_scan(pilot)
    screen = app.screen
    assert isinstance(screen, ScanScreen)
    await look("ready")
    now = int(kiosk.clock.now().timestamp())
    expired = kiosk.sign(sub="FR0000000009", iat=now - 7200, exp=now - 3600)
    for name, payload in (
        ("accepted", kiosk.sign()),
        ("duplicate", kiosk.sign()),
        ("rejected", expired),
    ):
        kiosk.clock.advance(5)
        screen.submit(payload, Method.CAMERA)
        await look(name)
    await pilot.press("f2")
    await pilot.press(*"FR12", "enter")
    await look("manual")
    await pilot.press("escape")
    await pilot.press("f3")
    await look("recent")
    await pilot.press("f6")
    await look("undo-confirm")
    await pilot.press("escape", "escape")
    await pilot.press("f7")
    await look("activity-qr")
    await pilot.press("escape")
    await pilot.press("f9")
    await look("pin")
    await pilot.press("1", "enter")
    await look("pin-wrong")
    await pilot.press(*PIN, "enter")
    await settle(pilot)
    assert isinstance(app.screen, CloseoutScreen)
    await look("closeout")
    for key, name in (("v", "void"), ("a", "add"), ("e", "export"), ("l", "audit"), ("c", "close")):
        await pilot.press(key)
        await look(name)
        await pilot.press("escape")
        await settle(pilot)
    return seen


async def test_japanese_mode_has_no_english_words(kiosk: Kiosk, tmp_path: Path) -> None:
    gate = PinGate(lambda: PIN, clock=Mono(), verify=lambda pin, stored: pin == stored)
    hook = coordinator_hook(pin=gate, export_dir=tmp_path)
    app = kiosk.app(language="ja", coordinator=hook)
    async with app.run_test(size=(80, 24)) as pilot:
        seen = await tour(pilot, kiosk)
    assert len(seen) >= 16
    words = {name: ascii_words(lines) for name, lines in seen.items()}
    # the test data's own names are English ("Beach clean-up", "Yuigahama beach"): not UI words
    data = {
        "Beach",
        "clean-up",
        "Yuigahama",
        "beach",
        "Hamadori",
        "RMO",
        "Autumn",
        "festival",
        "setup",
        "Gate",
    }
    found = {name: [w for w in ws if w not in data] for name, ws in words.items()}
    assert {name: ws for name, ws in found.items() if ws} == {}


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
async def test_no_label_is_clipped_in_english(
    kiosk: Kiosk, tmp_path: Path, size: tuple[int, int]
) -> None:
    gate = PinGate(lambda: PIN, clock=Mono(), verify=lambda pin, stored: pin == stored)
    app = kiosk.app(language="en", coordinator=coordinator_hook(pin=gate, export_dir=tmp_path))
    async with app.run_test(size=size) as pilot:
        seen = await tour(pilot, kiosk)
    assert "closeout" in seen
