"""The App: start screen, coordinator hook, worker errors, sync state, sound, `kiosk run`."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.notifications import Notify
from textual.screen import Screen
from textual.widgets import OptionList, Static

from cli.errors import UsageError
from kiosk.models import Method, Outcome, SyncState
from screens.app import KioskApp
from screens.error import ErrorScreen
from screens.scan import ScanScreen
from screens.sound import BELL_PATTERNS, Chime, command_for
from screens.start import StartScreen
from screens.widgets.banner import ResultBanner
from screens.widgets.counters import Counters
from screens.widgets.notice import NoticeLine
from screens.widgets.status import StatusBar
from tests.ui.conftest import NOW, Kiosk, settle, to_scan, wait_until


async def test_start_screen_picks_the_activity(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StartScreen)
        assert [a.name for a in screen.activities] == ["Autumn festival setup", "Beach clean-up"]
        options = screen.query_one(OptionList)
        assert options.highlighted == 1  # the configured activity
        device = screen.query_one("#info-device", Static).content
        assert isinstance(device, Text)
        assert "Gate 1" in device.plain
        organiser = screen.query_one("#info-organiser", Static).content
        assert isinstance(organiser, Text)
        assert "Hamadori RMO" in organiser.plain
        await pilot.press("up", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ScanScreen)
        assert kiosk.services.checkins.activity_id == "act-2026-11-23-festival"
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)


async def test_coordinator_not_available_without_hook(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    messages: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await to_scan(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ScanScreen)
        notice = app.screen.query_one(NoticeLine)  # a docked line: nothing floats over the gate
        assert notice.message == "The coordinator menu is not available yet"
        assert not [m for m in messages if isinstance(m, Notify)]


class Placeholder(Screen[None]):
    BINDINGS = [("escape", "app.pop_screen", "back")]  # noqa: RUF012


async def test_coordinator_hook_opens_its_screen(kiosk: Kiosk) -> None:
    seen: list[KioskApp] = []

    def hook(app: KioskApp) -> Screen[Any]:
        seen.append(app)
        return Placeholder()

    app = kiosk.app(coordinator=hook)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, Placeholder)
        assert seen == [app]


async def test_worker_failure_off_the_scan_path_shows_recoverable_error(kiosk: Kiosk) -> None:
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)

        def broken(_activity: str, limit: int | None = None) -> object:
            raise RuntimeError("disk on fire\x1b[2J")

        kiosk.services.store.records.attempts = broken  # type: ignore[assignment,method-assign]
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.problem == "RuntimeError"  # never the message or a traceback
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running


async def test_worker_failure_on_the_scan_path_opens_no_dialog(kiosk: Kiosk) -> None:
    """A failure after a scan must not open a dialog: it would swallow the next scan's Enter."""
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        real_counts = kiosk.services.store.records.counts

        def broken(_activity: str) -> object:
            raise RuntimeError("disk on fire")

        kiosk.services.store.records.counts = broken  # type: ignore[assignment,method-assign]
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        screen.submit(kiosk.sign(), Method.CAMERA)
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one(ResultBanner).state == "accepted"
        kiosk.services.store.records.counts = real_counts  # type: ignore[method-assign]
        assert isinstance(screen, ScanScreen)
        screen.submit(kiosk.sign(sub="FR0000000001"), Method.WEDGE)
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one(Counters).values["accepted"] == 2


class FakeSync:
    """A SyncController that reports from its own thread, like the real one."""

    def __init__(self) -> None:
        self.callback: Callable[[SyncState], None] | None = None
        self.triggers = 0
        self.stopped = False
        self._state = SyncState(configured=True, online=False, pending=0)

    def start(self, on_state: Callable[[SyncState], None]) -> None:
        self.callback = on_state

    def push(self, state: SyncState) -> None:
        assert self.callback is not None
        thread = threading.Thread(target=self.callback, args=(state,))
        thread.start()
        thread.join()

    def stop(self) -> None:
        self.stopped = True

    def trigger(self) -> None:
        self.triggers += 1

    @property
    def state(self) -> SyncState:
        return self._state


async def test_sync_state_reaches_the_header(kiosk: Kiosk) -> None:
    sync = FakeSync()
    app = kiosk.app(language="en", sync=sync)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        bar = screen.query_one(StatusBar)
        assert bar.info is not None
        assert "offline" in bar.render_info(bar.info).plain
        sync.push(SyncState(configured=True, online=True, pending=0, last_success=NOW))
        await wait_until(pilot, lambda: app.sync_state is not None and app.sync_state.online)
        text = bar.render_info(bar.info).plain
        assert "● online" in text
        assert "synced 10:30" in text
        screen.submit(kiosk.sign(), Method.CAMERA)
        await settle(pilot)
        assert sync.triggers == 1  # an accepted scan asks for an upload
        sync.push(SyncState(configured=True, online=False, pending=1, needs_enrollment=True))
        await wait_until(pilot, lambda: "re-enroll" in bar.render_info(bar.info).plain)  # type: ignore[arg-type]
    assert sync.stopped


def test_chime_patterns_are_distinct() -> None:
    rings: list[str] = []
    scheduled: list[float] = []
    spawned: list[Callable[[], None]] = []
    chime = Chime(
        "bell",
        [],
        ring=lambda: rings.append("ring"),
        schedule=lambda delay, fn: scheduled.append(delay),
        spawn=spawned.append,
    )
    for outcome in Outcome:
        chime.play(outcome)
    assert len(rings) == 3
    assert sorted(scheduled) == [0.15, 0.25, 0.3]
    assert len({BELL_PATTERNS[o] for o in Outcome}) == 3
    command = Chime(
        "command",
        ["aplay", "/snd/{sound}.wav"],
        ring=lambda: None,
        schedule=lambda d, f: None,
        spawn=spawned.append,
    )
    command.play(Outcome.DUPLICATE)
    assert len(spawned) == 1
    assert command_for(["play", "/snd/{outcome}.wav"], Outcome.REJECTED) == [
        "play",
        "/snd/rejected.wav",
    ]
    silent = Chime(
        "off", [], ring=lambda: rings.append("x"), schedule=lambda d, f: None, spawn=spawned.append
    )
    silent.play(Outcome.ACCEPTED)
    assert len(rings) == 3
    assert len(spawned) == 1


def test_kiosk_run_reports_bad_config(tmp_path: Path) -> None:
    from cli.commands.run import run

    missing = tmp_path / "nope.toml"
    with pytest.raises(UsageError):
        run(argparse.Namespace(config=missing, language=None))


def test_kiosk_run_builds_and_runs_the_app(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cli.commands import run as run_module

    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"""
[device]
id = "kiosk-run-01"
name = "Gate 2"
municipality = "131016"
database = "{tmp_path / "run.db"}"
[trust]
jwks_file = "{kiosk.root / "jwks.json"}"
[activity]
id = "act-run"
name = "Run test"
[camera]
source = "{tmp_path / "no-such-clip.avi"}"
[logging]
directory = "{tmp_path}"
""",
        encoding="utf-8",
    )
    ran: list[KioskApp] = []
    monkeypatch.setattr(KioskApp, "run", lambda self, **_: ran.append(self))
    status = run_module.run(argparse.Namespace(config=config, language="en"))
    assert status == 0
    (app,) = ran
    assert app.translator.language == "en"
    assert app.scanner_factory is not None
    assert app.sync is None
    assert (tmp_path / "kiosk.log").exists()


async def test_touch_targets_run_their_actions(kiosk: Kiosk) -> None:
    from screens.manual import ManualScreen
    from screens.widgets.keybar import KeyChip

    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        chips = {chip.binding.action: chip for chip in app.screen.query(KeyChip)}
        assert set(chips) >= {"manual", "recent", "activity", "toggle_language", "coordinator"}
        assert all(chip.size.height == 3 for chip in chips.values())
        await pilot.click(chips["manual"])
        await settle(pilot)
        assert isinstance(app.screen, ManualScreen)
        back = next(c for c in app.screen.query(KeyChip) if c.binding.action == "back")
        await pilot.click(back)
        await settle(pilot)
        assert isinstance(app.screen, ScanScreen)
        lang = next(c for c in app.screen.query(KeyChip) if c.binding.action == "toggle_language")
        await pilot.click(lang)
        await settle(pilot)
        assert app.language == "ja"


async def test_large_backlog_shows_upload_progress(kiosk: Kiosk) -> None:
    from textual.widgets import ProgressBar

    from screens.widgets.upload_progress import UploadProgress

    sync = FakeSync()
    app = kiosk.app(language="en", sync=sync)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_scan(pilot)
        progress = app.screen.query_one(UploadProgress)
        assert not progress.has_class("-active")
        sync.push(SyncState(configured=True, online=True, pending=1500, backlog_at_start=2000))
        await wait_until(pilot, lambda: progress.has_class("-active"))
        bar = progress.query_one(ProgressBar)
        assert (bar.total, bar.progress) == (2000, 500)
        sync.push(SyncState(configured=True, online=True, pending=0, backlog_at_start=0))
        await wait_until(pilot, lambda: not progress.has_class("-active"))
        sync.push(SyncState(configured=True, online=True, pending=10, backlog_at_start=10))
        await settle(pilot)
        assert not progress.has_class("-active")  # a small backlog uploads without a bar
