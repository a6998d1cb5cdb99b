"""Chooses where and how to export the day (attendance CSV, record form, printable summary)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from screens.base import KioskModal
from screens.i18n import COORDINATOR_CATALOG


@dataclass(frozen=True, slots=True)
class ExportRequest:
    folder: Path
    encoding: str  # utf-8-sig | cp932
    full_ids: bool


class ExportModal(KioskModal[ExportRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]
    CATALOG = COORDINATOR_CATALOG

    def __init__(self, folder: Path) -> None:
        super().__init__(id="export-screen")
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box", classes="coord-dialog"):
            yield Static(Text(self.t("export.title")), classes="coord-dialog-title")
            yield Static(Text(self.t("export.hint")), classes="coord-dialog-detail")
            yield Static(Text(self.t("export.folder")))
            yield Input(str(self.folder), id="export-folder")
            with RadioSet(id="export-encoding"):
                yield RadioButton(Text(self.t("export.utf8")), value=True, id="enc-utf-8-sig")
                yield RadioButton(Text(self.t("export.cp932")), id="enc-cp932")
            yield Checkbox(Text(self.t("export.full_ids")), id="export-full-ids")
            yield Static(id="export-error", classes="coord-error")
            with Horizontal(classes="coord-buttons"):
                yield Button(Text(self.t("export.write")), id="export-ok", variant="primary")
                yield Button(Text(self.t("common.cancel")), id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-folder", Input).focus()
        self._mark_choice()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self._mark_choice()

    def _mark_choice(self) -> None:
        """The chosen encoding says so in words (colour is never the only signal)."""
        for button, key in (("#enc-utf-8-sig", "export.utf8"), ("#enc-cp932", "export.cp932")):
            radio = self.query_one(button, RadioButton)
            mark = self.t("export.chosen") if radio.value else ""
            radio.label = Text(f"{self.t(key)}{mark}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id != "export-ok":
            self.action_cancel()
            return
        folder = Path(self.query_one("#export-folder", Input).value.strip()).expanduser()
        if not (folder.is_dir() or folder.parent.is_dir()):  # a new last folder is made
            self.query_one("#export-error", Static).update(Text(self.t("export.no_folder")))
            return
        pressed = self.query_one("#export-encoding", RadioSet).pressed_button
        encoding = "cp932" if pressed is not None and pressed.id == "enc-cp932" else "utf-8-sig"
        full = self.query_one("#export-full-ids", Checkbox).value
        self.dismiss(ExportRequest(folder, encoding, full))

    def action_cancel(self) -> None:
        self.dismiss(None)
