"""A result decided while the coordinator works on an 80x24 close-out: the band says it (words,
symbol, colour) without the large sign, and the attempts table stays in view under it."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from cli.commands.run import coordinator
from kiosk.models import Method
from screens.widgets.banner import ResultOverlay
from tests.ui.conftest import Kiosk, coordinator_secrets, open_closeout, settle, to_scan


@pytest.mark.parametrize(("size", "big_sign"), [((80, 24), False), ((120, 40), True)])
async def test_the_band_over_the_closeout(
    kiosk: Kiosk, size: tuple[int, int], big_sign: bool
) -> None:
    app = kiosk.app(
        language="ja", coordinator=coordinator(kiosk.services, coordinator_secrets(kiosk))
    )
    async with app.run_test(size=size) as pilot:
        await to_scan(pilot)
        screen = await open_closeout(pilot)
        for n in range(1, 6):  # a busy gate: earlier check-ins fill the table
            kiosk.services.checkins.submit(kiosk.sign(sub=f"FR000000000{n}"), Method.CAMERA)
        screen.reload()
        await settle(pilot)
        app.show_result(kiosk.services.checkins.submit(kiosk.sign(), Method.CAMERA))
        await settle(pilot)
        band = screen.query_one(ResultOverlay)
        assert band.has_class("-visible")
        assert "✓" in str(band.query_one("#banner-title").render())
        assert band.query_one("#banner-big").display is big_sign
        table = screen.query_one("#coord-attempts", DataTable)
        assert table.region.height >= (4 if not big_sign else 6)  # header and rows in view
