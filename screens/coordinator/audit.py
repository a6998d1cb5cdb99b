"""Every change to the activity's records, oldest first: who, when, what and why."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from kiosk.clock import JST
from kiosk.store.tables import Audit
from screens.base import KioskModal
from screens.coordinator.day_view import audit_reason, operator_word
from screens.i18n import COORDINATOR_CATALOG


def local_time(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone(JST).strftime("%m-%d %H:%M:%S")
    except ValueError:
        return stamp[:19]


class AuditModal(KioskModal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", show=False)]
    CATALOG = COORDINATOR_CATALOG

    def __init__(self, entries: list[Audit]) -> None:
        super().__init__(id="audit-screen")
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(id="audit-box", classes="coord-dialog"):
            yield Static(Text(self.t("audit.title")), classes="coord-dialog-title")
            yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="coord-buttons"):
                yield Button(Text(self.t("common.close")), id="audit-close", variant="primary")

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        for key in ("time", "operator", "action", "record", "reason"):
            table.add_column(Text(self.t(f"audit.{key}")), key=key)
        for entry in self.entries:
            table.add_row(
                Text(local_time(entry.at)),
                Text(operator_word(self.t, entry.operator)),
                Text(self.t(f"audit.action_{entry.action}")),
                Text((entry.checkin_id or "")[:8]),
                Text(audit_reason(self.t, entry.reason)),
            )
        if not self.entries:
            table.add_row(Text(self.t("audit.empty")), Text(""), Text(""), Text(""), Text(""))
        table.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)
