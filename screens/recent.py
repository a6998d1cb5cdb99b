"""Recent check-ins at this gate (masked ids) and undo of the last one: once, within
`[ui] undo_window_seconds` (`kiosk.undo`); anything older is the coordinator's."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from kiosk.models import mask_registrant
from kiosk.store.tables import Attempt, Checkin
from kiosk.text import sanitize
from kiosk.undo import GateUndo, UndoRefusal, gate_undo, undo_at_gate
from screens.base import KioskScreen
from screens.confirm import ConfirmModal
from screens.messages import RecentLoaded, UndoFinished
from screens.validation import local_time
from screens.widgets.keybar import KeyBar

RECENT_LIMIT = 50
OUTCOME_STYLE = {
    "accepted": "bold green",
    "duplicate": "bold yellow",
    "rejected": "bold red",
    "voided": "strike dim",
}
COLUMN_WIDTHS = {"time": 5, "result": 12, "registrant": 13, "method": 10, "detail": 30}


class RecentScreen(KioskScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "key.back"),
        Binding("f6", "undo", "key.undo"),
    ]

    def __init__(self) -> None:
        super().__init__(id="recent-screen")
        self.attempts: list[Attempt] = []
        self.undo = GateUndo(None, UndoRefusal.NONE)
        self.voided: set[str] = set()  # check-ins undone since (shown as undone, not accepted)

    def compose(self) -> ComposeResult:
        yield Static(id="recent-title")
        yield DataTable(id="recent", cursor_type="row", zebra_stripes=True)
        yield Static(id="recent-info")
        yield KeyBar(self.t, id="keybar")

    def on_mount(self) -> None:
        self.reload()

    @property
    def window_s(self) -> float:
        return self.kiosk.config.ui.undo_window_seconds

    @property
    def last(self) -> Checkin | None:
        """The check-in F6 would undo (None when the gate may not undo now)."""
        return self.undo.checkin if self.undo.allowed else None

    def reload(self) -> None:
        service, window = self.kiosk.services.checkins, self.window_s
        store, activity = service.store, service.activity_id

        def load() -> None:
            voided = {c.id for c in store.records.checkins(activity) if c.voided}
            self.post_message(
                RecentLoaded(
                    store.records.attempts(activity, limit=RECENT_LIMIT),
                    gate_undo(service, window),
                    voided,
                )
            )

        self.background(load, group="recent", exclusive=True)

    def on_recent_loaded(self, message: RecentLoaded) -> None:
        message.stop()
        self.attempts, self.undo = message.attempts, message.undo
        self.voided = message.voided
        self.translate_ui()

    def refusal_text(self, refusal: UndoRefusal) -> str:
        """Why the gate may not undo, and who can (the coordinator, for older check-ins)."""
        if refusal is UndoRefusal.TOO_OLD and self.window_s <= 0:
            return self.t("recent.undo_coordinator_only")
        return self.t(f"recent.undo_{refusal.value}", minutes=f"{self.window_s / 60:g}")

    def translate_ui(self) -> None:
        t = self.t
        self.query_one("#recent-title", Static).update(Text(t("recent.title")))
        table = self.query_one("#recent", DataTable)
        table.clear(columns=True)
        for key, width in COLUMN_WIDTHS.items():  # fixed: columns never collapse
            table.add_column(Text(t(f"recent.{key}")), key=key, width=width)
        for attempt in self.attempts:
            reason = t(f"reason.{attempt.reason}") if attempt.reason else ""
            outcome = attempt.outcome
            if outcome == "accepted" and attempt.checkin_id in self.voided:
                outcome = "voided"
            table.add_row(
                Text(local_time(attempt.at)),
                Text(t(f"outcome.{outcome}"), style=OUTCOME_STYLE.get(outcome, "")),
                Text(sanitize(attempt.registrant or "-", 20)),
                Text(t(f"method.{attempt.method}")),
                Text(reason),
                key=attempt.id,
            )
        info = self.query_one("#recent-info", Static)
        if not self.attempts:
            info.update(Text(t("recent.empty")))
        elif self.last is None:
            info.update(Text(self.refusal_text(self.undo.refusal or UndoRefusal.NONE)))
        else:
            last = self.last
            info.update(
                Text(
                    self.t(
                        "recent.undo_hint",
                        id=mask_registrant(last.registrant),
                        time=local_time(last.scanned_at),
                    )
                )
            )

    def _undo_question(self, last: Checkin) -> str:
        return self.t(
            "recent.undo_confirm",
            id=mask_registrant(last.registrant),
            time=local_time(last.scanned_at),
        )

    def action_undo(self) -> None:
        if self.last is None:
            refusal = self.undo.refusal or UndoRefusal.NONE
            quiet = refusal is UndoRefusal.NONE
            self.notify(
                self.refusal_text(refusal),
                markup=False,
                severity="information" if quiet else "warning",
                timeout=6,
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._undo()

        self.app.push_screen(ConfirmModal(self._undo_question(self.last)), answered)

    def _undo(self) -> None:
        service, window = self.kiosk.services.checkins, self.window_s
        if self.last is None:
            return
        confirmed = self.last.id  # exactly the check-in the volunteer saw and confirmed

        def undo() -> None:
            from kiosk.store import RecordError, StorageFailed, StorageFull

            try:
                self.post_message(UndoFinished(undo_at_gate(service, confirmed, window)))
            except (RecordError, StorageFull, StorageFailed) as exc:
                self.post_message(UndoFinished(None, sanitize(str(exc), 80)))

        self.background(undo, group="undo")

    def on_undo_finished(self, message: UndoFinished) -> None:
        message.stop()
        t, undo = self.t, message.undo
        if undo is None:
            self.notify(
                t("recent.undo_failed", reason=message.error), markup=False, severity="error"
            )
        elif undo.refusal is not None or undo.checkin is None:
            refusal = undo.refusal or UndoRefusal.NONE
            self.notify(self.refusal_text(refusal), markup=False, severity="warning", timeout=6)
        else:
            voided = mask_registrant(undo.checkin.registrant)
            self.notify(t("recent.undo_done", id=voided), markup=False)
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)
