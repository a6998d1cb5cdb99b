"""The coordinator's close-out screen for the kiosk's current activity and day.

Locked behind the PIN dialog; once unlocked it shows true counts (accepted, unique people,
duplicates, rejected by reason, voided, pending upload, confirmed by the server), check-ins per
hour, the premium share, every attempt (searchable, sortable), corrections with a reason and
an operator, the audit trail, closing the day with the server's receipt, and exports.
All database work runs on thread workers; results come back as messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Select, Sparkline, Static

from kiosk.checkins import manual_checkin
from kiosk.closeout import CloseoutResult, DaySummary, close_day, summarize
from kiosk.exports import ExportFormat, export_activities, export_filename, write_export
from kiosk.models import Method, Outcome
from kiosk.store import RecordError, StorageFailed, StorageFull
from kiosk.store.tables import Attempt, Checkin
from screens.coordinator.audit import AuditModal
from screens.coordinator.confirm import ConfirmCloseModal
from screens.coordinator.context import CoordinatorContext
from screens.coordinator.day_view import (
    attempt_row,
    counts_grid,
    local_time,
    receipt_text,
    status_text,
)
from screens.coordinator.export import ExportModal, ExportRequest
from screens.coordinator.manual import ManualEntry, ManualModal
from screens.coordinator.messages import (
    AuditLoaded,
    CorrectionDone,
    DayClosed,
    DayLoaded,
    Exported,
)
from screens.coordinator.pin import PinModal
from screens.coordinator.reason import Correction, ReasonModal

COLUMNS = ("time", "outcome", "reason", "registrant", "method", "state", "sync")
COLUMN_WIDTHS = {  # cells; fixed so the table never depends on when its rows arrived
    "time": 8,
    "outcome": 9,
    "reason": 16,  # the longest reasons are cut; the audit view shows them whole
    "registrant": 16,
    "method": 10,
    "state": 6,
    "sync": 11,
}
ACTIONS = ("void", "restore", "add", "audit", "close", "export", "back")
_ERRORS = {
    "activity_closed": "error.activity_closed",
    "no_activity": "error.no_activity",
    "duplicate": "error.duplicate",
    "registrant already has a live check-in": "error.live_exists",
    "already voided": "error.already_voided",
    "not voided": "error.not_voided",
}


def error_key(exc: Exception) -> str:
    """The catalog key describing a failed correction."""
    if isinstance(exc, StorageFull | StorageFailed):
        return "error.storage"
    return _ERRORS.get(str(exc), "error.generic")


class CloseoutScreen(Screen[None]):
    CSS_PATH = "coordinator.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", show=False),
        Binding("v", "void", show=False),
        Binding("r", "restore", show=False),
        Binding("a", "add", show=False),
        Binding("l", "audit", show=False),
        Binding("c", "close_day", show=False),
        Binding("e", "export", show=False),
        Binding("slash", "search", show=False),
        Binding("f5", "refresh", show=False),
    ]

    def __init__(self, context: CoordinatorContext) -> None:
        super().__init__(id="coordinator-closeout")
        self.context = context
        self.t = context.text
        self.activity_id = context.activity_id()
        self.activity_ids: list[str] = []
        self.operator = context.operator
        self.unlocked = False
        self.summary: DaySummary | None = None
        self.attempts: list[Attempt] = []
        self.checkins: dict[str, Checkin] = {}
        self.last_close: CloseoutResult | None = None
        self.upload_error = ""
        self.sort_column = "time"
        self.sort_reverse = True

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="coord-locked")
        with Vertical(id="coord-main"):
            with Horizontal(id="coord-heading-row"):
                yield Static(id="coord-heading")
                yield Select[str]([], allow_blank=True, id="coord-activity")
            with Horizontal(id="coord-top"):
                yield Static(id="coord-counts")
                with Vertical(id="coord-right"):
                    yield Static(id="coord-chart-title")
                    yield Sparkline([0], id="coord-hourly")
                    yield Static(id="coord-axis")
                    yield Static(id="coord-premium")
                    yield Static(id="coord-digest")
                    yield Static(id="coord-status")
                    yield Static(id="coord-receipt")
            with Horizontal(id="coord-search-row"):
                yield Input(id="coord-search")
                yield Static(id="coord-shown")
            yield DataTable(id="coord-attempts", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="coord-actions"):
                for action in ACTIONS:
                    yield Button(Text(""), id=f"coord-{action}", classes="coord-action")

    def on_mount(self) -> None:
        app_class = type(self.app)
        if isinstance(getattr(app_class, "language", None), Reactive):
            self.watch(self.app, "language", self._language_changed, init=False)
        if isinstance(getattr(app_class, "sync_state", None), Reactive):
            self.watch(self.app, "sync_state", self._sync_changed, init=False)
        self.translate_ui()
        self.app.push_screen(PinModal(self.context.pin, self.t), self._pin_done)

    def _pin_done(self, ok: bool | None) -> None:
        if not ok:
            self.dismiss()
            return
        self.unlocked = True
        self.add_class("-unlocked")
        self.query_one("#coord-attempts", DataTable).focus()
        self.reload()

    def _sync_changed(self, _state: object) -> None:
        """Uploads progressed: show fresh pending/confirmed numbers."""
        if self.unlocked:
            self.reload()

    def _language_changed(self, _language: str) -> None:
        self.translate_ui()
        self._show()

    def translate_ui(self) -> None:
        t = self.t
        self.query_one("#coord-locked", Static).update(Text(t("screen.locked")))
        self.query_one("#coord-chart-title", Static).update(Text(t("counts.per_hour")))
        self.query_one("#coord-search", Input).placeholder = t("table.search")
        self.query_one("#coord-activity", Select).prompt = t("screen.activity")
        for action in ACTIONS:
            self.query_one(f"#coord-{action}", Button).label = Text(t(f"action.{action}"))
        table = self.query_one("#coord-attempts", DataTable)
        table.clear(columns=True)
        for key in COLUMNS:
            table.add_column(Text(t(f"table.{key}")), key=key, width=COLUMN_WIDTHS[key])

    # -- loading ------------------------------------------------------------------------------

    def _work(self, work: Callable[[], Any], name: str, *, exclusive: bool = False) -> None:
        self.run_worker(
            work,
            thread=True,
            group=f"coordinator-{name}" if exclusive else "coordinator",
            description=f"CloseoutScreen:{name}",
            exclusive=exclusive,
            exit_on_error=False,
        )

    def reload(self) -> None:
        store, activity_id = self.context.store, self.activity_id

        def load() -> None:
            summary = summarize(store, activity_id)
            attempts = store.records.attempts(activity_id)
            checkins = {c.id: c for c in store.records.checkins(activity_id)}
            activities = store.activities.by_date(on_date=summary.activity.date)
            self.post_message(DayLoaded(summary, attempts, checkins, activities))

        self._work(load, "load", exclusive=True)

    def on_day_loaded(self, message: DayLoaded) -> None:
        if message.summary.activity.id != self.activity_id:
            return  # loaded for an activity the coordinator has switched away from
        self.summary, self.attempts, self.checkins = (
            message.summary,
            message.attempts,
            message.checkins,
        )
        ids = [a.id for a in message.activities]
        select = self.query_one("#coord-activity", Select)
        if ids != self.activity_ids:
            self.activity_ids = ids
            with self.prevent(Select.Changed):
                select.set_options((Text(f"{a.name} ({a.id})"), a.id) for a in message.activities)
        if select.value != self.activity_id:
            with self.prevent(Select.Changed):
                select.value = self.activity_id
        self._show()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        if isinstance(value, str) and value != self.activity_id:
            self.activity_id = value
            self.summary, self.attempts, self.checkins = None, [], {}
            self.upload_error = ""
            self.query_one("#coord-search", Input).value = ""
            self.reload()

    def action_refresh(self) -> None:
        if self.unlocked:
            self.reload()

    # -- rendering ----------------------------------------------------------------------------

    def _show(self) -> None:
        summary = self.summary
        if summary is None:
            return
        t, a, c = self.t, summary.activity, summary.counts
        state = t("screen.closed") if summary.closed else t("screen.open")
        heading = Text(f"{a.name}  {a.date}  ", style="bold")
        heading.append(state, style="reverse bold")
        self.query_one("#coord-heading", Static).update(heading)

        self.query_one("#coord-counts", Static).update(counts_grid(t, summary))

        hours = summary.hourly
        self.query_one("#coord-hourly", Sparkline).data = [h.count for h in hours] or [0]
        axis = (
            t(
                "counts.axis",
                first=hours[0].label,
                last=hours[-1].label,
                peak=max(h.count for h in hours),
            )
            if hours
            else t("counts.no_checkins")
        )
        self.query_one("#coord-axis", Static).update(Text(axis))
        share = summary.premium_share
        premium = (
            t("counts.premium", share=f"{share * 100:.1f}%", n=c.premium)
            if (share is not None)
            else t("counts.premium_none")
        )
        self.query_one("#coord-premium", Static).update(Text(premium))
        digest = Text(t("close.digest", n=summary.digest_count) + " ")
        digest.append(summary.digest[:16] + "…", style="bold")
        self.query_one("#coord-digest", Static).update(digest)
        self.query_one("#coord-status", Static).update(status_text(t, summary, self.upload_error))
        self.query_one("#coord-receipt", Static).update(Text(receipt_text(t, summary)))
        self._fill_table()

    def _fill_table(self) -> None:
        table = self.query_one("#coord-attempts", DataTable)
        selected = self.selected_attempt()
        needle = self.query_one("#coord-search", Input).value.strip().casefold()
        rows = [
            (attempt, attempt_row(self.t, attempt, self.checkins.get(attempt.checkin_id or "")))
            for attempt in self.attempts
        ]
        if needle:
            rows = [r for r in rows if any(needle in cell.plain.casefold() for cell in r[1])]
        column = COLUMNS.index(self.sort_column)
        rows.sort(
            key=lambda r: (r[0].at if column == 0 else r[1][column].plain, r[0].at),
            reverse=self.sort_reverse,
        )
        table.clear()
        for attempt, cells in rows:
            table.add_row(*cells, key=attempt.id)
        self.query_one("#coord-shown", Static).update(
            Text(self.t("table.shown", shown=len(rows), total=len(self.attempts)))
        )
        if selected is not None and selected.id in table.rows:
            table.move_cursor(row=table.get_row_index(selected.id))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        column = str(event.column_key.value)
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self._fill_table()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "coord-search":
            event.stop()
            self._fill_table()

    # -- selection ----------------------------------------------------------------------------

    def selected_attempt(self) -> Attempt | None:
        table = self.query_one("#coord-attempts", DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key
        except Exception:  # the cursor is outside the rows
            return None
        return next((a for a in self.attempts if a.id == key.value), None)

    def _selected_checkin(self, *, voided: bool) -> tuple[Attempt, Checkin] | None:
        if self.summary is not None and self.summary.closed:
            self.notify(self.t("error.activity_closed"), markup=False, severity="warning")
            return None
        attempt = self.selected_attempt()
        checkin = self.checkins.get(attempt.checkin_id or "") if attempt else None
        if attempt is None or checkin is None or attempt.outcome != Outcome.ACCEPTED.value:
            self.notify(self.t("table.select_accepted"), markup=False, severity="warning")
            return None
        if checkin.voided != voided:
            key = "error.already_voided" if checkin.voided else "error.not_voided"
            self.notify(self.t(key), markup=False, severity="warning")
            return None
        return attempt, checkin

    def _describe(self, attempt: Attempt) -> str:
        return f"{local_time(attempt.at)}  {attempt.registrant or ''}  " + self.t(
            f"method.{attempt.method}"
        )

    # -- actions ------------------------------------------------------------------------------

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = (event.button.id or "").removeprefix("coord-")
        if name in ACTIONS:
            await self.run_action("close_day" if name == "close" else name)

    def action_back(self) -> None:
        self.dismiss()

    def action_search(self) -> None:
        if self.unlocked:
            self.query_one("#coord-search", Input).focus()

    def action_void(self) -> None:
        self._correct(voided=False)

    def action_restore(self) -> None:
        self._correct(voided=True)

    def _correct(self, *, voided: bool) -> None:
        if not self.unlocked:
            return
        found = self._selected_checkin(voided=voided)
        if found is None:
            return
        attempt, checkin = found
        action = "restore" if voided else "void"

        def done(correction: Correction | None) -> None:
            if correction is None:
                return
            self.operator = correction.operator
            store, at = self.context.store, self.context.clock.now()

            def work() -> None:
                change = store.corrections.restore if voided else store.corrections.void
                try:
                    change(
                        checkin.id, reason=correction.reason, operator=correction.operator, at=at
                    )
                except (RecordError, StorageFull, StorageFailed) as exc:
                    self.post_message(CorrectionDone(action, error_key(exc)))
                    return
                self.post_message(CorrectionDone(action))

            self._work(work, action)

        title = self.t(f"{action}.title")
        self.app.push_screen(
            ReasonModal(self.t, title, self._describe(attempt), self.operator), done
        )

    def action_add(self) -> None:
        if not self.unlocked:
            return
        if self.summary is not None and self.summary.closed:
            self.notify(self.t("error.activity_closed"), markup=False, severity="warning")
            return

        def done(entry: ManualEntry | None) -> None:
            if entry is None:
                return
            self.operator = entry.operator
            context, activity_id = self.context, self.activity_id

            def work() -> None:
                new = manual_checkin(
                    activity_id,
                    entry.registrant,
                    method=Method.PAPER if entry.paper else Method.MANUAL,
                    operator=entry.operator,
                    clock=context.clock,
                )
                paper = (entry.name, entry.contact, entry.municipality) if entry.paper else None
                try:
                    context.store.records.add_manual(new, reason=entry.reason, paper=paper)
                except (RecordError, StorageFull, StorageFailed) as exc:
                    self.post_message(CorrectionDone("add", error_key(exc)))
                    return
                self.post_message(CorrectionDone("add"))

            self._work(work, "add")

        self.app.push_screen(ManualModal(self.t, self.operator), done)

    def on_correction_done(self, message: CorrectionDone) -> None:
        if message.error:
            self.notify(self.t(message.error), markup=False, severity="error")
        else:
            self.notify(self.t(f"{message.action}.done"), markup=False)
        self.reload()

    def action_audit(self) -> None:
        if not self.unlocked:
            return
        store, activity_id = self.context.store, self.activity_id

        def work() -> None:
            entries = [a for a in store.records.audit_trail() if a.activity_id == activity_id]
            self.post_message(AuditLoaded(entries))

        self._work(work, "audit")

    def on_audit_loaded(self, message: AuditLoaded) -> None:
        self.app.push_screen(AuditModal(self.t, message.entries))

    def action_close_day(self) -> None:
        if not self.unlocked or self.summary is None:
            return
        c = self.summary.counts
        if self.summary.closed:
            question = self.t("close.resend_question")
        else:
            question = self.t("close.question", accepted=c.accepted, pending=c.pending_upload)
        self.app.push_screen(ConfirmCloseModal(self.t, question), self._close_confirmed)

    def _close_confirmed(self, yes: bool | None) -> None:
        if not yes:
            return
        context, operator = self.context, self.operator
        activity_id = self.activity_id
        if context.request_sync is not None:
            context.request_sync()  # upload what is pending; the close-out can be re-sent later

        def work() -> None:
            try:
                result = close_day(
                    context.store, activity_id, operator, context.clock, context.submit_closeout
                )
            except (RecordError, StorageFull, StorageFailed) as exc:
                self.post_message(DayClosed(None, error_key(exc)))
                return
            self.post_message(DayClosed(result))

        self._work(work, "close")

    def on_day_closed(self, message: DayClosed) -> None:
        result = message.result
        if result is None:
            self.notify(self.t(message.error), markup=False, severity="error")
            return
        self.last_close = result
        self.upload_error = (
            self.t("close.offline")
            if result.upload_error == "offline"
            else result.upload_error or ""
        )
        if result.all_confirmed:
            self.notify(self.t("close.all_confirmed", n=result.count), markup=False)
        else:
            self.notify(self.t("close.closed_pending"), markup=False, severity="warning")
        self.reload()

    def action_export(self) -> None:
        if not self.unlocked or self.summary is None:
            return
        self.app.push_screen(ExportModal(self.t, self.context.export_dir), self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is None or self.summary is None:
            return
        context, activity = self.context, self.summary.activity

        def work() -> None:
            paths, replaced = [], 0
            try:
                for fmt in ExportFormat:
                    result = export_activities(
                        context.store,
                        [activity],
                        fmt,
                        encoding=request.encoding,
                        full_ids=request.full_ids,
                        generated_at=context.clock.now(),
                        device=context.device,
                    )
                    path = request.folder / export_filename(activity.date, fmt, activity.id)
                    write_export(path, result.data)
                    paths.append(path)
                    replaced += result.replaced
            except OSError as exc:
                self.post_message(Exported(paths, replaced, exc.strerror or type(exc).__name__))
                return
            self.post_message(Exported(paths, replaced))

        self._work(work, "export")

    def on_exported(self, message: Exported) -> None:
        if message.error:
            self.notify(
                self.t("export.failed", error=message.error), markup=False, severity="error"
            )
            return
        text = self.t("export.done", n=len(message.paths), folder=str(message.paths[0].parent))
        if message.replaced:
            text += " " + self.t("export.replaced", n=message.replaced)
        self.notify(text, markup=False, timeout=8)
