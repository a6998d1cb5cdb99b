"""Text from outside arrives inert: an activity pulled from the national API (name, venue,
organiser), a coordinator's correction reason and a paper form's name, each carrying markup,
ANSI/OSC escape sequences (OSC 52 writes the clipboard, ESC[2J clears the screen), bidi
overrides and line separators. Each is sanitised once on its way into the store; the test
exports the rendered screen and finds no escape byte and no unsafe character in it."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session
from textual.widgets import Input, OptionList

from cli.commands.run import coordinator
from config.secrets import DEVICE_TOKEN
from kiosk.models import Method
from kiosk.text import UNSAFE_CATEGORIES
from screens.activity_qr import ActivityQrScreen
from screens.app import KioskApp
from screens.coordinator.audit import AuditModal
from screens.coordinator.reason import ReasonModal
from screens.scan import ScanScreen
from screens.start import StartScreen
from sync.client import ApiClient
from sync.enroll import enroll_device
from sync.pulls import Puller
from sync.server.admin import (
    create_activity,
    create_enroll_token,
    create_municipality,
    open_database,
)
from sync.server.runner import RunningServer, start_server
from tests.ui.conftest import (
    COORDINATOR_PIN,
    Kiosk,
    coordinator_secrets,
    open_closeout,
    settle,
    to_scan,
)

HOSTILE = "浜辺\x1b]52;c;aGVsbG8=\x07清掃\x1b[2J[bold red]赤[/]\u202eevil\u202c\u2028\u061c!"
INERT = "浜辺清掃[bold red]赤[/]evil!"
PIN = COORDINATOR_PIN


def assert_inert(app: KioskApp, *expected: str) -> None:
    """The screen as the terminal gets it: no ESC, no control or format character, and the
    hostile text visible in its inert form (so the check is not vacuous)."""
    svg = app.export_screenshot()
    unsafe = {
        f"U+{ord(ch):04X}"
        for ch in svg
        if ch != "\n" and (ch == "\x1b" or unicodedata.category(ch) in UNSAFE_CATEGORIES)
    }
    assert unsafe == set()
    for text in expected:
        assert text in svg.replace("&#160;", " "), text


@pytest.fixture
def national(tmp_path: Path) -> Iterator[tuple[RunningServer, str]]:
    """The reference national API with a hostile activity for municipality 131016."""
    url = f"sqlite:///{tmp_path / 'national.db'}"
    engine = open_database(url)
    with Session(engine) as session:
        create_municipality(session, "131016", "千代田区")
        create_activity(
            session,
            "act-hostile",
            HOSTILE,
            date(2026, 11, 23),
            "131016",
            venue=HOSTILE,
            organiser=HOSTILE,
            designated=True,
        )
        token = create_enroll_token(session, municipality="131016")
    engine.dispose()
    with start_server(url) as server:
        yield server, token


async def test_an_activity_from_the_api_renders_inert(
    kiosk: Kiosk, national: tuple[RunningServer, str]
) -> None:
    server, token = national
    secrets = coordinator_secrets(kiosk)
    enroll_device(server.url, token, kiosk.config.device.id, secrets)
    with ApiClient(server.url, token=secrets.get(DEVICE_TOKEN)) as client:
        puller = Puller(kiosk.services.store, client, kiosk.services.verifier)
        assert puller.activities() >= 1
    stored = kiosk.services.store.activities.get("act-hostile")
    assert stored is not None
    assert (stored.name, stored.venue, stored.organiser) == (INERT, INERT, INERT)

    app = kiosk.app(language="en", coordinator=coordinator(kiosk.services, secrets))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        start = app.screen
        assert isinstance(start, StartScreen)
        start.query_one(OptionList).highlighted = [a.id for a in start.activities].index(
            "act-hostile"
        )
        await settle(pilot)
        assert_inert(app, "浜辺清掃[bold")  # the list, the venue and the organiser
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ScanScreen)
        assert_inert(app, "浜辺清掃")  # the status bar's activity
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, ActivityQrScreen)
        assert_inert(app, "浜辺清掃[bold")
        await pilot.press("escape")
        await settle(pilot)
        await open_closeout(pilot)
        await settle(pilot)
        assert_inert(app, "浜辺清掃[bold")  # the close-out heading


async def test_a_coordinator_reason_renders_inert(kiosk: Kiosk) -> None:
    kiosk.services.checkins.submit(kiosk.sign(), Method.CAMERA)
    app = kiosk.app(
        language="en", coordinator=coordinator(kiosk.services, coordinator_secrets(kiosk))
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await to_scan(pilot)
        await open_closeout(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ReasonModal)
        app.screen.query_one("#reason-input", Input).value = HOSTILE
        app.screen.query_one("#reason-operator", Input).value = "佐藤\x1b[31m\u202e"
        await pilot.click("#reason-ok")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, AuditModal)
        assert_inert(app, "佐藤", "浜辺清掃[bold")
    trail = kiosk.services.store.records.audit_trail()
    assert (trail[-1].action, trail[-1].operator, trail[-1].reason) == ("void", "佐藤", INERT)


async def test_a_paper_form_name_is_stored_and_shown_inert(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await to_scan(pilot)
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#name", Input).value = HOSTILE
        screen.query_one("#contact", Input).value = "0312345678"
        screen.query_one("#municipality", Input).value = "131016"
        await pilot.click("#record-paper")
        await settle(pilot)
        assert isinstance(app.screen, ScanScreen)
        assert_inert(app)
    (checkin,) = kiosk.services.store.records.checkins(kiosk.services.checkins.activity_id)
    paper = kiosk.services.store.records.paper_record(checkin.id)
    assert paper is not None
    assert paper.name == INERT
