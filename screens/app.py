"""The kiosk App: wires injected services, owns language, worker-error handling, the result
feed every screen shows (`screens.results`) and where notices go (a docked line, not toasts)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import PurePath
from typing import Any, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from config.schema import KioskConfig
from kiosk.clock import Clock
from kiosk.models import CheckinResult, SyncState
from kiosk.ports import ActivityCodeSource, Heartbeat, SyncController
from kiosk.scan.frames import SourceState
from kiosk.services import Services
from screens.error import ErrorScreen
from screens.i18n import LANGUAGES, Translator
from screens.messages import SyncStateChanged
from screens.results import ResultFeed, ResultQueue, Shown
from screens.scanning import ScannerFactory
from screens.sound import Chime
from screens.start import StartScreen
from screens.widgets.notice import NoticeLine

log = logging.getLogger(__name__)

STYLES: list[str | PurePath] = [
    f"styles/{name}.tcss" for name in ("app", "start", "scan", "manual", "recent")
]
"""All styles load once at start-up (a screen's own CSS_PATH re-parses the sheet on push)."""

SCAN_PATH_WORKERS = frozenset({"submit", "manual", "stats", "sound"})
"""Worker groups on the way of a scan. Their failures are logged, never a dialog: a dialog
over the gate would swallow the next scan's Enter. The decisions themselves cannot fail
(`kiosk.checkins.CheckinService` records `unreadable`); the camera runs on threads of its
own and reports its failures as its state."""

CoordinatorHook = Callable[["KioskApp"], Screen[Any]]
"""Builds the screen the coordinator key opens (the PIN screen of the close-out issue)."""


class KioskApp(App[None]):
    """The gate kiosk. Everything it uses arrives through the constructor."""

    CSS_PATH = STYLES
    ENABLE_COMMAND_PALETTE = False  # the kiosk lock: no command palette (Ctrl+P) either
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f4", "toggle_language", "key.language"),
        Binding("f9", "coordinator", "key.coordinator"),
        # The kiosk lock. These replace Textual's own Ctrl+Q (quit) and Ctrl+C (how to quit),
        # and take the suspend/interrupt keys a terminal would act on, on every screen:
        # volunteers cannot leave the gate. Quitting is the coordinator's (PIN, then confirm).
        *(
            Binding(key, "locked", show=False, priority=True, system=True)
            for key in ("ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash")
        ),
    ]

    language: reactive[str] = reactive("ja", init=False)
    camera_state: reactive[SourceState | None] = reactive(None, init=False)
    sync_state: reactive[SyncState | None] = reactive(None, init=False)
    storage_full: reactive[bool] = reactive(False, init=False)
    shown_result: reactive[Shown | None] = reactive(None, init=False)
    results_waiting: reactive[int] = reactive(0, init=False)

    def __init__(
        self,
        config: KioskConfig,
        services: Services,
        *,
        scanner_factory: ScannerFactory | None,
        sync: SyncController | None,
        clock: Clock,
        language: str,
        coordinator: CoordinatorHook | None = None,
        heartbeat: Heartbeat | None = None,
        activity_codes: ActivityCodeSource | None = None,
    ) -> None:
        super().__init__()
        self.heartbeat = heartbeat
        self.activity_codes = activity_codes  # F7's signed codes; None: not enrolled / offline-only
        self.config = config
        self.services = services
        self.scanner_factory = scanner_factory
        self.sync = sync
        self.clock = clock
        self.coordinator = coordinator
        self.translator = Translator(language)
        self.set_reactive(KioskApp.language, language)
        self.chime = Chime(
            config.ui.sound,
            config.ui.sound_command,
            ring=self.bell,
            schedule=lambda delay, fn: self.set_timer(delay, fn),
            spawn=lambda fn: self.run_worker(fn, thread=True, group="sound", exit_on_error=False),
        )
        self.results = ResultQueue(config.ui.banner_seconds, clock.monotonic)
        self.feed = ResultFeed(
            self.results,
            publish=self._publish_result,
            chime=self.chime.play,
            every=self.set_interval,
        )

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.title = self.translator("app.title")
        if self.sync is not None:
            self.sync_state = self.sync.state
            self.sync.start(self._sync_callback)
        self.push_screen(StartScreen())
        if self.heartbeat is not None:
            # Pings come from the UI loop itself: if the loop hangs, systemd restarts us.
            self.heartbeat.ready()
            self.set_interval(self.heartbeat.interval, self.heartbeat.ping)

    def on_unmount(self) -> None:
        if self.sync is not None:
            self.sync.stop()

    def _sync_callback(self, state: SyncState) -> None:
        """Runs on the sync thread: only post a message."""
        self.post_message(SyncStateChanged(state))

    def on_sync_state_changed(self, message: SyncStateChanged) -> None:
        self.sync_state = message.state

    @on(Worker.StateChanged)
    def handle_worker_error(self, event: Worker.StateChanged) -> None:
        """The one place worker failures land: log them; off the scan path, show a
        recoverable screen."""
        if event.state is not WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        log.error("worker %s (%s) failed", worker.group, worker.description, exc_info=error)
        if worker.group not in SCAN_PATH_WORKERS and not isinstance(self.screen, ErrorScreen):
            self.push_screen(ErrorScreen(type(error).__name__ if error else "unknown"))

    def show_result(self, result: CheckinResult) -> None:
        """A decision was stored: up now, or queued behind the one being read
        (`screens.results`: every decision is seen, in order)."""
        self.feed.add(result)

    def _publish_result(self, shown: Shown | None, waiting: int) -> None:
        self.shown_result, self.results_waiting = shown, waiting

    def start_scanning(self, activity_id: str) -> None:
        """The start screen chose an activity: scan for it."""
        from screens.scan import ScanScreen

        self.services.checkins.select_activity(activity_id)
        self.storage_full = False
        self.feed.clear()
        self.switch_screen(ScanScreen())

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """On kiosk screens a notice goes on the screen's notice line (`NoticeLine`: plain
        text, nothing floats over the screen); elsewhere it is Textual's toast."""
        lines = self.screen.query(NoticeLine)
        if not lines:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
            return
        lines.first().say(message, severity, timeout)

    def action_toggle_language(self) -> None:
        index = LANGUAGES.index(self.translator.language)
        self.translator.language = LANGUAGES[(index + 1) % len(LANGUAGES)]
        self.title = self.translator("app.title")
        self.language = self.translator.language
        self.notify(self.translator("language.switched"), markup=False, timeout=2)

    def action_locked(self) -> None:
        """A key that would leave or suspend the kiosk: say who can close it instead."""
        self.notify(self.translator("lock.how_to_quit"), markup=False, timeout=4)

    async def action_quit(self) -> None:
        """Textual's quit action, however it is reached: the kiosk stays (see `quit_kiosk`)."""
        self.action_locked()

    def quit_kiosk(self) -> None:
        """Leave the kiosk: the coordinator's action, after the PIN and a confirmation."""
        log.info("the coordinator closed the kiosk")
        self.exit()

    def action_coordinator(self) -> None:
        """Open the coordinator's screen (PIN, close-out) when one is registered."""
        if self.coordinator is None:
            self.notify(self.translator("coordinator.unavailable"), markup=False, timeout=3)
            return
        self.push_screen(self.coordinator(self))


def make_app(
    services: Services,
    *,
    scanner_factory: ScannerFactory | None = None,
    sync: SyncController | None = None,
    language: str | None = None,
    coordinator: CoordinatorHook | None = None,
    heartbeat: Heartbeat | None = None,
    activity_codes: ActivityCodeSource | None = None,
) -> KioskApp:
    """The one way to build the kiosk App (`kiosk run`, `kiosk demo`, tests, benchmarks)."""
    return KioskApp(
        services.config,
        services,
        scanner_factory=scanner_factory,
        sync=sync,
        clock=services.clock,
        language=language or services.config.ui.language,
        coordinator=coordinator,
        heartbeat=heartbeat,
        activity_codes=activity_codes,
    )
