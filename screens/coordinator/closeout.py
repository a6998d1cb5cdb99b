"""The coordinator's close-out screen for the kiosk's current activity and day.

Locked behind the PIN dialog; once unlocked it shows true counts (accepted, unique people,
duplicates, rejected by reason, voided, pending upload, confirmed by the server), check-ins per
hour, the premium share, every attempt (searchable, sortable), corrections with a reason and
an operator, the audit trail, closing the day with the server's receipt, and exports.
All database work runs on thread workers; results come back as messages."""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Select, Sparkline, Static

from kiosk.closeout import CloseoutResult, DaySummary
from kiosk.models import SyncState
from kiosk.store.tables import Attempt, Checkin
from kiosk.text import sanitize
from kiosk.trust_keeper import TrustStatus
from screens.confirm import ConfirmModal
from screens.coordinator import jobs
from screens.coordinator.attempts import SORT_CYCLE, AttemptsTable
from screens.coordinator.audit import AuditModal
from screens.coordinator.closing import (
    close_question,
    closed_notices,
    upload_error_text,
    upload_progress,
)
from screens.coordinator.context import CoordinatorContext
from screens.coordinator.corrections import CorrectingScreen
from screens.coordinator.day_view import (
    activity_counts_text,
    axis_text,
    counts_grid,
    digest_text,
    heading_text,
    premium_text,
    receipt_text,
    scanner_text,
    status_text,
    summary_lines,
    trust_text,
)
from screens.coordinator.export import ExportModal, ExportRequest
from screens.coordinator.messages import (
    AuditLoaded,
    DayClosed,
    DayLoaded,
    Exported,
    GatesLoaded,
)
from screens.coordinator.pin import PinModal
from screens.coordinator.quit import confirm_quit
from screens.i18n import COORDINATOR_CATALOG

log = logging.getLogger(__name__)
ACTIONS = ("void", "restore", "add", "audit", "close", "export", "back")


class CloseoutScreen(CorrectingScreen):
    CSS_PATH = "coordinator.tcss"
    CATALOG = COORDINATOR_CATALOG
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", show=False),
        Binding("v", "void", show=False),
        Binding("r", "restore", show=False),
        Binding("a", "add", show=False),
        Binding("l", "audit", show=False),
        Binding("c", "close_day", show=False),
        Binding("e", "export", show=False),
        Binding("q", "quit", show=False),  # quit the kiosk (no button: the row is full at 80x24)
        Binding("slash", "search", show=False),
        Binding("s", "sort", show=False),
        Binding("f5", "refresh", show=False),
    ]

    def __init__(self, context: CoordinatorContext) -> None:
        super().__init__(id="coordinator-closeout")
        self.context = context
        self.activity_id = context.activity_id()
        self.activity_ids: list[str] = []
        self.operator = context.operator
        self.unlocked = False
        self.summary: DaySummary | None = None
        self.attempts: list[Attempt] = []
        self.checkins: dict[str, Checkin] = {}
        self.paper_names: dict[str, str] = {}  # check-in id -> name on the paper form
        self.last_close: CloseoutResult | None = None
        self.upload_error = ""
        self.trust: TrustStatus | None = None
        self.closing = False  # the close waits for the upload: the status shows progress

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="coord-locked")
        with Vertical(id="coord-main"):
            yield Static(id="coord-heading")
            with Horizontal(id="coord-search-row"):
                yield Input(id="coord-search")
                yield Static(id="coord-shown")
                yield Select[str]([], allow_blank=True, id="coord-activity")
            # Small screens: one summary block; large ones also get the detail panel.
            yield Static(id="coord-summary")
            with Horizontal(id="coord-top"):
                yield Static(id="coord-counts")
                with Vertical(id="coord-right"):
                    yield Static(id="coord-chart-title")
                    yield Sparkline([0], id="coord-hourly")
                    yield Static(id="coord-axis")
                    yield Static(id="coord-premium")
                    yield Static(id="coord-digest")
                    yield Static(id="coord-receipt")
                    yield Static(id="coord-national")
                    yield Static(id="coord-trust")
            yield Static(id="coord-status")
            yield AttemptsTable(id="coord-attempts")
            with Horizontal(id="coord-actions"):
                for action in ACTIONS:
                    yield Button(Text(""), id=f"coord-{action}", classes="coord-action")

    def on_resize(self) -> None:
        # The attempts table comes first: the detail panel only where it leaves the table
        # room (at 80x24 the table keeps more than 8 rows).
        self.set_class(self.size.height < 36 or self.size.width < 100, "-compact")

    def on_mount(self) -> None:
        self.watch(self.app, "sync_state", self._sync_changed, init=False)
        self.app.push_screen(PinModal(self.context.pin), self._pin_done)

    def _pin_done(self, ok: bool | None) -> None:
        if not ok:
            self.dismiss()
            return
        self.unlocked = True
        self.add_class("-unlocked")
        self.query_one(AttemptsTable).focus()
        self.reload()
        self.refresh_national()

    def _sync_changed(self, state: object) -> None:
        """Uploads progressed: show fresh pending/confirmed numbers (and, while closing, how
        far the upload the close waits for has come)."""
        if self.closing and (state is None or isinstance(state, SyncState)):
            self.query_one("#coord-status", Static).update(Text(upload_progress(self.t, state)))
        if self.unlocked:
            self.reload()

    def translate_ui(self) -> None:
        t = self.t
        self.query_one("#coord-locked", Static).update(Text(t("screen.locked")))
        self.query_one("#coord-chart-title", Static).update(Text(t("counts.per_hour")))
        self.query_one("#coord-search", Input).placeholder = t("table.search")
        self.query_one("#coord-activity", Select).prompt = t("screen.activity")
        for action in ACTIONS:
            button = self.query_one(f"#coord-{action}", Button)
            key, label = t(f"action_key.{action}"), t(f"action.{action}")
            button.label = Text(f"{key}\n{label}")  # the key above the full label
        self.query_one(AttemptsTable).relabel(t)
        self._show()

    # -- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        store, activity_id = self.context.store, self.activity_id
        trust = self.context.trust_status
        self.background(
            lambda: self.post_message(jobs.load_day(store, activity_id, trust)),
            group="coordinator-load",
            exclusive=True,
        )

    def refresh_national(self) -> None:
        """Fetch the national gate + app counts (when online); the day is shown again after."""
        context, activity_id = self.context, self.activity_id
        if context.fetch_counts is None:
            return

        def fetch() -> None:
            loaded = jobs.refresh_national(context, activity_id)
            if loaded is not None:
                self.post_message(loaded)

        self.background(fetch, group="coordinator-national", exclusive=True)

    def on_day_loaded(self, message: DayLoaded) -> None:
        if message.summary.activity.id != self.activity_id:
            return  # loaded for an activity the coordinator has switched away from
        self.summary, self.attempts, self.checkins = (
            message.summary,
            message.attempts,
            message.checkins,
        )
        self.paper_names = message.paper_names
        self.trust = message.trust
        ids = [a.id for a in message.activities]
        select = self.query_one("#coord-activity", Select)
        if ids != self.activity_ids:
            self.activity_ids = ids
            with self.prevent(Select.Changed):
                # stored sanitised; sanitised again for records an older version stored raw
                select.set_options((Text(sanitize(a.name, 60)), a.id) for a in message.activities)
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
            self.refresh_national()

    def action_refresh(self) -> None:
        if self.unlocked:
            self.reload()
            self.refresh_national()

    # -- rendering ----------------------------------------------------------------------------

    def _show(self) -> None:
        summary = self.summary
        if summary is None:
            return
        t = self.t
        self.query_one("#coord-heading", Static).update(heading_text(t, summary))
        self.query_one("#coord-counts", Static).update(counts_grid(t, summary))
        hours = summary.hourly
        self.query_one("#coord-hourly", Sparkline).data = [h.count for h in hours] or [0]
        self.query_one("#coord-axis", Static).update(Text(axis_text(t, summary)))
        self.query_one("#coord-premium", Static).update(Text(premium_text(t, summary)))
        self.query_one("#coord-digest", Static).update(digest_text(t, summary))
        if not self.closing:
            status = status_text(t, summary, self.upload_error)
            self.query_one("#coord-status", Static).update(status)
        self.query_one("#coord-receipt", Static).update(Text(receipt_text(t, summary)))
        national = activity_counts_text(t, summary)
        trust = trust_text(t, self.trust, self.context.clock.now())
        scanner = scanner_text(t, summary)
        if scanner.plain:  # with the trust line: both are about setting this device up
            trust = Text("\n").join(line for line in (trust, scanner) if line.plain)
        self.query_one("#coord-national", Static).update(national)
        self.query_one("#coord-trust", Static).update(trust)
        # the compact summary (small screens) carries the same lines under the counts
        compact = summary_lines(t, summary)
        for line in (national, trust):
            if line.plain:
                compact.append("\n")
                compact.append_text(line)
        self.query_one("#coord-summary", Static).update(compact)
        self._fill_table()

    def _fill_table(self) -> None:
        needle = self.query_one("#coord-search", Input).value
        table = self.query_one(AttemptsTable)
        shown = table.fill(self.t, self.attempts, self.checkins, needle, self.paper_names)
        column = table.sort_column
        order = self.t(f"table.sort_{column}" if column in SORT_CYCLE else "table.sort_other")
        arrow = "▼" if table.sort_reverse else "▲"
        self.query_one("#coord-shown", Static).update(
            Text(self.t("table.shown", shown=shown, total=len(self.attempts), order=order) + arrow)
        )

    def action_sort(self) -> None:
        """S: sort by time, outcome or method in turn (a column header sorts by any column)."""
        if self.unlocked:
            self.query_one(AttemptsTable).cycle_sort()
            self._fill_table()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.query_one(AttemptsTable).sort_by(str(event.column_key.value))
        self._fill_table()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "coord-search":
            event.stop()
            self._fill_table()

    # -- actions ------------------------------------------------------------------------------

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = (event.button.id or "").removeprefix("coord-")
        if name in ACTIONS:
            await self.run_action("close_day" if name == "close" else name)

    def action_back(self) -> None:
        self.dismiss()

    def action_quit(self) -> None:
        if self.unlocked:
            confirm_quit(self)

    def action_search(self) -> None:
        if self.unlocked:
            self.query_one("#coord-search", Input).focus()

    def action_audit(self) -> None:
        if not self.unlocked:
            return
        store, activity_id = self.context.store, self.activity_id
        self.background(
            lambda: self.post_message(jobs.load_audit(store, activity_id)), group="coordinator"
        )

    def on_audit_loaded(self, message: AuditLoaded) -> None:
        self.app.push_screen(AuditModal(message.entries))

    def action_close_day(self) -> None:
        """Ask the national API which other gates still hold uploads, then confirm."""
        if not self.unlocked or self.summary is None or self.closing:
            return
        context, activity_id = self.context, self.activity_id
        self.background(
            lambda: self.post_message(jobs.gates(context, activity_id)), group="coordinator"
        )

    def on_gates_loaded(self, message: GatesLoaded) -> None:
        if self.summary is None or message.activity_id != self.activity_id:
            return
        if message.error:  # the screen says "no connection"; the detail is for the log
            log.info("gate status unavailable: %s", message.error)
        confirm = ConfirmModal(
            close_question(
                self.t, self.summary, message.gates, message.error, online=self._online()
            ),
            title=self.t("close.confirm_title"),
            yes=self.t("close.confirm_yes"),
            no=self.t("common.cancel"),
        )
        self.app.push_screen(confirm, self._close_confirmed)

    def _close_confirmed(self, yes: bool | None) -> None:
        if not yes:
            return
        context, operator = self.context, self.operator
        activity_id = self.activity_id
        if context.flush_uploads is not None:
            self.closing = True  # the close job uploads first; its progress shows meanwhile
            status = upload_progress(self.t, getattr(self.app, "sync_state", None))
            self.query_one("#coord-status", Static).update(Text(status))
        elif context.request_sync is not None:
            context.request_sync()  # no flush: upload soon; the close-out can be re-sent later

        self.background(
            lambda: self.post_message(jobs.close(context, activity_id, operator)),
            group="coordinator",
        )

    def _online(self) -> bool:
        """Whether the close-out can reach the national system now (as the sync worker
        last saw it; no worker or an offline-only device: no)."""
        state = getattr(self.app, "sync_state", None)
        if self.context.submit_closeout is None:
            return False
        return state is None or bool(getattr(state, "online", True))

    def on_day_closed(self, message: DayClosed) -> None:
        self.closing = False
        result = message.result
        if result is None:
            self.notify(self.t(message.error), markup=False, severity="error")
            return
        self.last_close = result
        if result.upload_error:  # the detail is for the log; the screen says what happens next
            log.info("close-out not uploaded: %s", result.upload_error)
        self.upload_error = upload_error_text(self.t, result)
        for text, severity in closed_notices(self.t, result):
            self.notify(text, markup=False, severity=severity)
        self.reload()

    def action_export(self) -> None:
        if not self.unlocked or self.summary is None:
            return
        self.app.push_screen(ExportModal(self.context.export_dir), self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is None or self.summary is None:
            return
        context, activity = self.context, self.summary.activity

        self.background(
            lambda: self.post_message(jobs.export(context, activity, request)),
            group="coordinator",
        )

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
