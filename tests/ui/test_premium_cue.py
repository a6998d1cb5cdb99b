"""The premium cue at the gate: the start screen says whether the activity is designated, each
accepted banner whether it counts for this registrant (the pass's `mun`) — ja and en."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.widgets import OptionList, Static

from kiosk.models import Method, PremiumCue
from kiosk.store.tables import Activity
from screens.scan import ScanScreen
from screens.start import StartScreen
from tests.ui.conftest import ACTIVITY, Kiosk, settle, to_scan

CHIYODA, SAPPORO = "131016", "011002"


def text_of(widget: Static) -> str:
    content = widget.content
    return content.plain if isinstance(content, Text) else str(content)


@pytest.fixture
def designated(kiosk: Kiosk) -> Kiosk:
    """The configured activity as the national system describes it: designated by Chiyoda."""
    kiosk.services.store.activities.upsert(
        Activity(
            id=ACTIVITY,
            name="Beach clean-up",
            date="2026-11-23",
            municipality=CHIYODA,
            designated=True,
        )
    )
    kiosk.services.store.activities.upsert(
        Activity(
            id="act-2026-11-23-festival",
            name="Autumn festival setup",
            date="2026-11-23",
            municipality=CHIYODA,
            designated=False,
        )
    )
    return kiosk


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ja", ("指定活動（131016）", "指定活動ではありません")),
        ("en", ("Designated by 131016", "Not a designated activity")),
    ],
)
async def test_the_start_screen_says_whether_the_activity_counts(
    designated: Kiosk, language: str, words: tuple[str, str]
) -> None:
    app = designated.app(language=language)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StartScreen)
        options = screen.query_one("#activities", OptionList)
        premium = screen.query_one("#info-premium", Static)
        shown = {}
        for index, activity in enumerate(screen.activities):
            options.highlighted = index
            await settle(pilot)
            shown[activity.id] = text_of(premium)
        assert words[0] in shown[ACTIVITY]
        assert words[1] in shown["act-2026-11-23-festival"]


async def test_each_accepted_banner_says_whether_it_counts_for_them(designated: Kiosk) -> None:
    app = designated.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        cue = screen.query_one("#banner-premium", Static)
        for sub, mun, expected, words in (
            ("FR0000000001", [CHIYODA], PremiumCue.YOURS, "★ Counts toward their premium"),
            ("FR0000000002", [SAPPORO], PremiumCue.OTHER, "☆ Designated, but not by their"),
        ):
            designated.clock.advance(1)  # each result is up at least 0.5 s (screens.results)
            screen.submit(designated.sign(sub=sub, mun=mun), Method.CAMERA)
            await settle(pilot)
            result = screen.banner.result
            assert result is not None
            assert result.premium is expected
            assert cue.display
            assert text_of(cue).startswith(words)
        designated.clock.advance(1)
        screen.submit(designated.sign(sub="FR0000000001", mun=[CHIYODA]), Method.CAMERA)
        await settle(pilot)
        assert screen.banner.state == "duplicate"
        assert not cue.display  # the cue is for an accepted pass only
        await pilot.press("f4")  # 日本語
        designated.clock.advance(1)
        screen.submit(designated.sign(sub="FR0000000003", mun=[CHIYODA]), Method.CAMERA)
        await settle(pilot)
        assert text_of(cue) == "★ 登録先の指定活動：プレミアムの実績"


async def test_an_activity_not_confirmed_by_the_national_system_says_so(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        screen.submit(kiosk.sign(), Method.CAMERA)
        await settle(pilot)
        assert text_of(screen.query_one("#banner-premium", Static)) == "? Designation not confirmed"
