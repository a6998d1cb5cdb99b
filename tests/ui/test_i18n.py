"""Catalogs are complete in both languages; the language switches at runtime."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Static

from kiosk.models import Method, Reason
from kiosk.scan.frames import SourceState
from screens.i18n import LANGUAGES, Translator, load_catalog
from screens.scan import ScanScreen
from screens.scanning import PROBLEM_STATES
from screens.widgets.keybar import KeyChip
from tests.ui.conftest import Kiosk, settle, to_scan
from tests.ui.test_scan import banner_text

SCREENS = Path(__file__).resolve().parents[2] / "screens"


def test_catalogs_have_the_same_keys() -> None:
    ja, en = load_catalog("ja"), load_catalog("en")
    assert sorted(set(ja) - set(en)) == []
    assert sorted(set(en) - set(ja)) == []
    assert all(value.strip() for value in [*ja.values(), *en.values()])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reason_and_camera_state_has_words(language: str) -> None:
    catalog = load_catalog(language)
    for reason in Reason:
        assert f"reason.{reason.value}" in catalog, reason
        assert f"next.{reason.value}" in catalog, reason
    for state in SourceState:
        assert f"camera.{state.value}" in catalog, state
    for state in {*PROBLEM_STATES, SourceState.STOPPED}:
        assert f"camera_fix.{state.value}" in catalog, state
    for method in Method:
        assert f"method.{method.value}" in catalog, method


def test_every_key_used_in_the_code_exists() -> None:
    """Literal keys in screens/*.py (t("x.y"), bindings "key.x") are in both catalogs."""
    pattern = re.compile(
        r"""["']((?:app|key|start|banner|count|status|camera|camera_fix|manual|"""
        r"""recent|outcome|method|error|coordinator|language|reason|next)"""
        r"""\.[a-z_]+)["']"""
    )
    files = [p for p in SCREENS.rglob("*.py") if "coordinator" not in p.parts]  # own catalogs
    used = {m for path in files for m in pattern.findall(path.read_text("utf-8"))}
    assert len(used) > 40
    for language in LANGUAGES:
        missing = sorted(used - set(load_catalog(language)))
        assert missing == [], f"{language}: {missing}"


def test_translator_fills_in_sanitised_values() -> None:
    t = Translator("en")
    assert t("banner.registrant", id="FR\x1b[31mX") == "Registrant FRX"
    assert t("no.such.key") == "no.such.key"
    with pytest.raises(ValueError, match="unknown language"):
        Translator("fr")


async def test_language_switch_at_runtime(kiosk: Kiosk) -> None:
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        screen.submit(kiosk.sign(), Method.CAMERA)
        await settle(pilot)
        assert "受付しました" in banner_text(screen)
        await pilot.press("f4")
        await settle(pilot)
        assert app.language == "en"
        assert "✓ CHECKED IN" in banner_text(screen)
        label = screen.query_one("#counter-accepted").query_one(".counter-label", Static).content
        assert isinstance(label, Text)
        assert label.plain == "Checked in"
        chips = [chip.content for chip in screen.query(KeyChip)]
        assert any(isinstance(c, Text) and "Manual" in c.plain for c in chips)
        await pilot.press("f4")
        await settle(pilot)
        assert app.language == "ja"
        assert "受付しました" in banner_text(screen)


async def test_english_from_config(kiosk: Kiosk) -> None:
    from tests.ui.conftest import write_config

    kiosk.services.config = write_config(kiosk.root, kiosk.root / "jwks.json", language="en")
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        assert app.translator.language == "en"
        assert "Ready to scan" in banner_text(app.screen)  # type: ignore[arg-type]
