"""A scanner set to a US keyboard on a Japanese kiosk: the pass is still decided, the volunteer
is told to fetch the coordinator, and the close-out says what to change on the scanner."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from cli.commands.run import coordinator
from kiosk.keyboard_layout import Mismatch, typed
from screens.widgets.banner import ResultBanner
from screens.widgets.notice import NoticeLine
from tests.ui.conftest import (
    COORDINATOR_PIN,
    Kiosk,
    coordinator_secrets,
    open_closeout,
    to_scan,
    wait_until,
    wedge_type,
)

PIN = COORDINATOR_PIN
TOLD = {
    "ja": ("スキャナーの設定が端末と合っていません", "管理者に伝えてください"),
    "en": ("does not match this kiosk", "Tell the coordinator"),
}
CLOSEOUT = {
    "ja": ("1 件は読み取りを補正しました", "日本語（JIS）キーボードの設定にしてください"),
    "en": ("scans read by correcting them: 1", "Set the scanner to a Japanese (JIS)"),
}


def pass_with_underscore(kiosk: Kiosk) -> str:
    for n in range(1000):
        token = kiosk.sign(jti=f"jti-{n}")
        if "_" in token:
            return token
    raise AssertionError("no pass with '_' in 1000 tries")


@pytest.mark.parametrize("language", ["ja", "en"])
async def test_a_us_scanner_on_a_jis_kiosk(kiosk: Kiosk, language: str) -> None:
    app = kiosk.app(
        language=language, coordinator=coordinator(kiosk.services, coordinator_secrets(kiosk))
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        banner = app.screen.query_one(ResultBanner)
        await wedge_type(pilot, typed(Mismatch.US_ON_JIS, pass_with_underscore(kiosk)))
        await wait_until(pilot, lambda: banner.state == "accepted")
        notice = app.screen.query_one(NoticeLine).message
        assert all(part in notice for part in TOLD[language]), notice
        screen = await open_closeout(pilot)
        trust = screen.query_one("#coord-trust", Static)
        await wait_until(pilot, lambda: CLOSEOUT[language][0] in str(trust.render()))
        shown = str(trust.render())
        assert all(part in shown for part in CLOSEOUT[language]), shown
        assert "kiosk doctor --scanner" in shown
