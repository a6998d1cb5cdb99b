"""F7: the signed, rotating activity code, drawn in the terminal and read back with the real
decoder; the countdown on the kiosk's (server-corrected) clock; plain words without a key."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.text import Text
from textual.widgets import Static

from config.secrets import SecretStore
from kiosk.activity_code import ActivityCodeKey, verify_code_key
from kiosk.activity_code_keys import ActivityCodes
from kiosk.jws import decode_compact
from kiosk.passes import parse_jwks
from screens.activity_qr import ActivityQrScreen
from screens.app import make_app
from screens.widgets.qr import STYLES, QrCode, QrStyle, fitting_style, qr_size, qr_text, sextant
from tests.keyrings import MemoryKeyring
from tests.ui.conftest import ACTIVITY, NOW, Kiosk, settle, to_scan, wait_until
from tests.unit.kiosk.test_activity_code import entry

_HALF = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0)}
_SEXTANT = {sextant(bits): bits for bits in range(64)}
CELL = (8, 16)  # a terminal cell is about twice as tall as it is wide (pixels)


def rasterise(plain: str, style: QrStyle = STYLES[0]) -> np.ndarray:
    """The drawn code as a screen shows it: each cell CELL pixels, its blocks filled in."""
    lines = plain.splitlines()
    across, down = (1, 2) if style.glyphs == "half" else (2, 3)
    modules = np.full((len(lines) * down, len(lines[0]) * across), 255, np.uint8)
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            if style.glyphs == "half":
                dark = [bool(d) for d in _HALF[char]]
            else:
                dark = [bool(_SEXTANT[char] & (1 << i)) for i in range(6)]
            for i, is_dark in enumerate(dark):
                modules[down * y + i // across, across * x + i % across] = 0 if is_dark else 255
    height, width = len(lines) * CELL[1], len(lines[0]) * CELL[0]
    return cv2.resize(modules, (width, height), interpolation=cv2.INTER_NEAREST)


SIGNED_CODE = "eyJ" + "x" * 326  # as long as a real signed activity code (~330 characters)


@pytest.mark.parametrize(
    "data",
    ["furusato-activity:1:131016:act-2026-11-23-demo", "[b]markup[/b] ふるさと", SIGNED_CODE],
)
@pytest.mark.parametrize("style", STYLES, ids=lambda s: f"{s.glyphs}-{s.error}")
def test_terminal_qr_decodes_to_its_data(data: str, style: QrStyle) -> None:
    text = qr_text(data, style=style)
    assert text.spans == []  # one style for the whole code: nothing parsed as markup
    decoded = [r.text for r in zxingcpp.read_barcodes(rasterise(text.plain, style))]
    assert decoded == [data]


def test_the_largest_drawing_that_fits() -> None:
    assert qr_size(SIGNED_CODE) == (73, 37)  # square modules need 37 rows
    assert fitting_style(SIGNED_CODE, 90, 45) == QrStyle("half", "m")
    assert fitting_style(SIGNED_CODE, 50, 24) == QrStyle("sextant", "l")  # 80x24 minus the side
    assert qr_size(SIGNED_CODE, style=QrStyle("sextant", "l")) == (35, 23)


@pytest.fixture
def codes(kiosk: Kiosk) -> ActivityCodes:
    """The kiosk's code keys in a keyring, holding today's key for the activity."""
    doc = entry(kiosk.kit, act=ACTIVITY)
    doc["activity_id"] = ACTIVITY
    key = verify_code_key(doc, 60, parse_jwks(kiosk.kit.jwks()))
    codes = ActivityCodes(kiosk.services.store, SecretStore("kiosk-ui", backend=MemoryKeyring()))
    codes.keep([key], at=NOW)
    return codes


def hint(screen: ActivityQrScreen) -> str:
    content = screen.query_one("#qr-countdown", Static).content
    return content.plain if isinstance(content, Text) else str(content)


async def test_f7_shows_the_signed_code_that_rotates_on_time(
    kiosk: Kiosk, codes: ActivityCodes
) -> None:
    app = make_app(kiosk.services, language="en", activity_codes=codes)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActivityQrScreen)
        first = screen.code
        assert first is not None
        qr = screen.query_one("#qr-code", QrCode)
        assert qr.style_used == QrStyle("sextant", "l")  # 24 rows: the compact drawing
        drawn = qr.content
        assert isinstance(drawn, Text)
        lines = drawn.plain.splitlines()
        assert (max(map(len, lines)), len(lines)) == qr_size(first.token, style=qr.style_used)
        assert len(lines) <= 24
        assert qr.region.bottom <= 24
        read = zxingcpp.read_barcodes(rasterise(drawn.plain, qr.style_used))
        assert [r.text for r in read] == [first.token]
        # What the app scans is signed with the delegated key, for this activity and window.
        key = codes.key_for(ACTIVITY, NOW.date())
        assert isinstance(key, ActivityCodeKey)
        token = decode_compact(first.token, max_length=2048)
        assert token.verifies_with(Ed25519PrivateKey.from_private_bytes(key.seed).public_key())
        assert token.payload["act"] == ACTIVITY
        assert token.payload["nbf"] <= NOW.timestamp() < token.payload["exp"]
        assert "New code in 60 s" in hint(screen)

        kiosk.clock.advance(45)
        screen.tick()
        assert "New code in 15 s" in hint(screen)
        kiosk.clock.advance(15)  # the window ends: the next code
        screen.tick()
        await wait_until(pilot, lambda: screen.code is not None and screen.code != first)
        assert screen.code is not None
        assert screen.code.not_before == first.expires
        assert "New code in 60 s" in hint(screen)

        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ActivityQrScreen)


@pytest.mark.parametrize("language", ["ja", "en"])
async def test_without_a_key_f7_says_so_plainly(
    kiosk: Kiosk, codes: ActivityCodes, language: str
) -> None:
    app = make_app(kiosk.services, language=language, activity_codes=codes)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # the festival: no key for it
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActivityQrScreen)
        assert screen.code is None
        message = screen.query_one("#qr-message", Static)
        assert message.display
        expected = {"ja": "今日のアプリ用コードがありません", "en": "No app code for this activity"}
        content = message.content
        assert expected[language] in (content.plain if isinstance(content, Text) else "")
        assert not screen.query_one("#qr-code", QrCode).display


async def test_an_offline_only_kiosk_has_no_codes(kiosk: Kiosk) -> None:
    app = make_app(kiosk.services, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActivityQrScreen)
        content = screen.query_one("#qr-message", Static).content
        assert "not connected to the national system" in str(content)
