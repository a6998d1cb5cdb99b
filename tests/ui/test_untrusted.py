"""Anything from a pass or a form renders literally: no markup, no escape sequences."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input, OptionList, Static

from kiosk.models import CheckinResult, Method, Outcome
from kiosk.store.tables import Activity
from screens.messages import ScanDecided
from screens.scan import ScanScreen
from screens.start import StartScreen
from tests.ui.conftest import ACTIVITY, NOW, Kiosk, settle, to_scan, wait_until
from tests.ui.test_scan import banner_text

HOSTILE = "[b]bold[/b][@click=app.quit]x[/] \x1b[31mred\x1b[0m\x07"


async def test_pass_claims_with_markup_render_literally(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        # A validly signed pass whose subject carries markup and an escape sequence: the
        # core rejects it as malformed; nothing of it may be interpreted by the UI.
        screen.submit(kiosk.sign(sub=HOSTILE, tier=HOSTILE), Method.CAMERA)
        await settle(pilot)
        assert app.is_running
        assert "\x1b" not in banner_text(screen)
        # A decision that does carry such text (as a future core might) shows it verbatim.
        hostile = CheckinResult(
            outcome=Outcome.ACCEPTED,
            reason=None,
            registrant=HOSTILE,
            checkin_id="c",
            attempt_id="a",
            method=Method.CAMERA,
            activity_id=ACTIVITY,
            decided_at=NOW,
            latency_ms=1.0,
        )
        screen.post_message(ScanDecided(hostile))
        await settle(pilot)
        kiosk.clock.advance(3)  # the rejection before it stays up banner_seconds first
        await wait_until(pilot, lambda: "[b]bold" in banner_text(screen))
        text = banner_text(screen)
        assert "[b]bold[/b][@click=app.quit]x[/]" in text
        assert "\x1b" not in text
        assert "\x07" not in text
        assert "red" in text
        await pilot.click("#banner-detail")  # a live [@click] would quit the app
        await settle(pilot)
        assert app.is_running


async def test_activity_names_render_literally(kiosk: Kiosk) -> None:
    kiosk.services.store.activities.upsert(
        Activity(id="act-evil", name=HOSTILE, date="2026-11-23", organiser=HOSTILE)
    )
    app = kiosk.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StartScreen)
        option_labels = [str(a.name) for a in screen.activities]
        assert "[b]bold[/b][@click=app.quit]x[/] red" in option_labels  # stored inert
        options = screen.query_one("#activities", OptionList)
        index = [a.id for a in screen.activities].index("act-evil")
        prompt = options.get_option_at_index(index).prompt
        assert isinstance(prompt, Text)
        assert prompt.plain.startswith("[b]bold[/b][@click=app.quit]x[/] red")
        options.highlighted = index
        await settle(pilot)
        organiser = screen.query_one("#info-organiser", Static).content
        assert isinstance(organiser, Text)
        assert "[@click=app.quit]" in organiser.plain
        assert "\x1b" not in organiser.plain


async def test_form_text_is_not_markup(kiosk: Kiosk) -> None:
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await pilot.press("f2")
        await settle(pilot)
        field = app.screen.query_one("#name", Input)
        field.value = "[@click=app.quit]山田[/]"
        await settle(pilot)
        assert app.is_running
