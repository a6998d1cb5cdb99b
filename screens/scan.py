"""Scan: the gate. A huge banner per decision, counters, status, camera and wedge input."""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from kiosk.models import CheckinResult, Method, Outcome, Reason, SyncState
from kiosk.scan.frames import SourceState
from kiosk.scan.wedge import WedgeKeyBuffer
from screens.base import KioskScreen
from screens.manual import ManualScreen
from screens.messages import CameraStateChanged, ScanDecided, StatsLoaded
from screens.recent import RecentScreen
from screens.results import Shown
from screens.scanning import PROBLEM_STATES, Scanner
from screens.widgets.banner import ResultBanner
from screens.widgets.counters import Counters
from screens.widgets.keybar import KeyBar
from screens.widgets.status import StatusBar, StatusInfo, SyncBar
from screens.widgets.upload_progress import UploadProgress

WEDGE_MIN_LENGTH = 8
"""Shorter bursts ending in Enter are a person at the keyboard, not a scanner."""
WEDGE_MAX_GAP_S = 0.3
"""A wedge types a whole pass in well under a second; longer pauses start a new payload."""

log = logging.getLogger(__name__)


class ScanScreen(KioskScreen[None]):
    SHOWS_RESULTS = False  # the gate's own banner shows every result
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "manual", "key.manual"),
        Binding("f3", "recent", "key.recent"),
        Binding("f5", "activity", "key.activity"),
        Binding("f7", "activity_qr", "key.activity_qr"),
    ]

    def __init__(self) -> None:
        super().__init__(id="scan-screen")
        self.pending = 0
        self._activity_name = ""
        self.storage_full = False
        self._scanner: Scanner | None = None
        self._wedge: WedgeKeyBuffer | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar(self.t, id="status")
        yield SyncBar(self.t, id="sync-bar")
        yield UploadProgress(self.t, id="upload-progress")
        yield ResultBanner(self.t, id="banner")
        yield Counters(self.t, id="counters")
        yield KeyBar(self.t, id="keybar")

    def on_mount(self) -> None:
        clock = self.kiosk.clock
        self._wedge = WedgeKeyBuffer(max_gap_s=WEDGE_MAX_GAP_S, clock=clock.monotonic)
        for name in ("camera_state", "storage_full"):
            self.watch(self.app, name, lambda _value: self._refresh_status(), init=False)
        self.watch(self.app, "sync_state", self._sync_changed, init=False)
        self.set_interval(30, self._refresh_status)  # "last upload N minutes ago" moves on
        self.watch(self.app, "shown_result", self._shown_changed, init=False)
        self.watch(self.app, "results_waiting", self.banner.set_waiting, init=False)
        self._load_stats(trigger_sync=False)
        self._start_camera()

    def on_unmount(self) -> None:
        self._stop_camera()

    # -- input ------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """Keyboard-wedge capture: no field is focused; printable keys + Enter form a pass."""
        if self._wedge is None:
            return
        if event.key == "enter":
            payload = self._wedge.feed("enter")
        elif event.is_printable and event.character is not None and len(event.character) == 1:
            payload = self._wedge.feed(event.character)
        else:
            return
        event.stop()
        if payload is not None and len(payload) >= WEDGE_MIN_LENGTH:
            self.submit(payload, Method.WEDGE)
        elif payload is not None and payload.strip():
            self.notify(self.t("banner.too_short"), markup=False, severity="warning")

    def submit(self, payload: str, method: Method) -> None:
        """Decide a pass string on a worker thread; the banner updates when it is stored."""
        if self.storage_full:
            self.banner.show_storage_full()
            return
        service, clock = self.kiosk.services.checkins, self.kiosk.clock
        captured = clock.monotonic()

        def decide() -> None:
            self.post_message(ScanDecided(service.submit(payload, method, captured)))

        self.background(decide, group="submit")

    def _start_camera(self) -> None:
        factory = self.kiosk.scanner_factory
        if factory is None:
            self.kiosk.camera_state = None
            self._refresh_status()
            return
        self.kiosk.camera_state = SourceState.STARTING

        def on_result(result: CheckinResult) -> None:
            self.post_message(ScanDecided(result))

        def on_state(state: SourceState, detail: str) -> None:
            self.post_message(CameraStateChanged(state, detail))

        try:
            scanner = factory(self.kiosk.services.checkins)
            scanner.start(on_result, on_state)
        except Exception:  # the gate keeps going on the wedge; the banner says what to fix
            log.exception("the camera did not start")
            self.kiosk.camera_state = SourceState.FAILED
            return
        self._scanner = scanner

    def _stop_camera(self) -> None:
        """Returns at once; the scanner reports STOPPED when it has released the camera."""
        if self._scanner is not None:
            self._scanner.stop()
            self._scanner = None

    # -- results ----------------------------------------------------------------------------

    @property
    def banner(self) -> ResultBanner:
        return self.query_one("#banner", ResultBanner)

    def on_scan_decided(self, message: ScanDecided) -> None:
        message.stop()
        result: CheckinResult = message.result
        self.kiosk.show_result(result)  # up now, or queued behind the result being read
        if result.corrected:  # read anyway; the volunteer tells the coordinator
            self.notify(self.t("scanner.corrected"), severity="warning", markup=False)
        if result.reason is Reason.STORAGE_FULL:
            self.storage_full = True
            self.kiosk.storage_full = True
            self._stop_camera()
        self._load_stats(trigger_sync=result.outcome is Outcome.ACCEPTED)

    def _shown_changed(self, shown: Shown | None) -> None:
        if shown is None:
            self.show_ready()
        else:
            self.banner.show(shown, self.kiosk.results_waiting)

    def show_ready(self) -> None:
        """Back to the resting banner: ready, a camera problem with its fix, or storage full."""
        if self.storage_full:
            self.banner.show_storage_full()
            return
        camera = self.kiosk.camera_state
        if camera in PROBLEM_STATES or camera is SourceState.STOPPED:
            assert camera is not None
            self.banner.show_ready(
                self.t(f"camera.{camera.value}"), self.t(f"camera_fix.{camera.value}")
            )
        else:
            self.banner.show_ready()

    def on_camera_state_changed(self, message: CameraStateChanged) -> None:
        message.stop()
        self.kiosk.camera_state = message.state

    def _load_stats(self, *, trigger_sync: bool) -> None:
        store, activity = self.kiosk.services.store, self.kiosk.services.checkins.activity_id
        sync = self.kiosk.sync

        def load() -> None:
            record = store.activities.get(activity)
            name = record.name if record is not None else activity
            self.post_message(
                StatsLoaded(store.records.counts(activity), store.outbox.pending_count(), name)
            )
            if trigger_sync and sync is not None:
                sync.trigger()

        self.background(load, group="stats")

    def _sync_changed(self, state: SyncState | None) -> None:
        """The sync worker reported: its pending count is the freshest there is."""
        if state is not None and state.configured:
            self.pending = state.pending
        self._refresh_status()

    def on_stats_loaded(self, message: StatsLoaded) -> None:
        message.stop()
        self.pending = message.pending
        self._activity_name = message.activity_name
        self.query_one("#counters", Counters).show(message.counts)
        self._refresh_status()

    # -- display ----------------------------------------------------------------------------

    def _refresh_status(self) -> None:
        app = self.kiosk
        info = StatusInfo(
            activity=self._activity_name,
            sync=app.sync_state,
            pending=self.pending,
            camera=app.camera_state if app.scanner_factory is not None else None,
            clock_trusted=app.clock.trusted,
            storage_full=app.storage_full,
            now=app.clock.now(),
        )
        self.query_one("#status", StatusBar).show(info)
        self.query_one("#sync-bar", SyncBar).show(info)
        self.query_one("#upload-progress", UploadProgress).show(app.sync_state)
        if self.kiosk.shown_result is None:
            self.show_ready()

    def translate_ui(self) -> None:
        self.query_one("#counters", Counters).relabel()
        self._refresh_status()
        if self.banner.result is not None:
            self.banner.repaint()
        else:
            self.show_ready()

    # -- actions ----------------------------------------------------------------------------

    def action_manual(self) -> None:
        def done(result: CheckinResult | None) -> None:
            if result is not None:
                self.post_message(ScanDecided(result))

        self.app.push_screen(ManualScreen(), done)

    def action_recent(self) -> None:
        self.app.push_screen(RecentScreen(), lambda _: self._load_stats(trigger_sync=False))

    def action_activity(self) -> None:
        from screens.start import StartScreen

        self.app.switch_screen(StartScreen())

    def action_activity_qr(self) -> None:
        """Show the activity's signed, rotating code for the national app's self check-in."""
        from screens.activity_qr import ActivityQrScreen

        activity_id = self.kiosk.services.checkins.activity_id
        self.app.push_screen(ActivityQrScreen(activity_id, self._activity_name or activity_id))
