"""Asks for the reason (required) and the operator of a void or restore."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from screens.base import KioskModal
from screens.i18n import COORDINATOR_CATALOG


@dataclass(frozen=True, slots=True)
class Correction:
    reason: str
    operator: str


class ReasonModal(KioskModal[Correction | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]
    CATALOG = COORDINATOR_CATALOG

    def __init__(self, title: str, record: str, operator: str) -> None:
        super().__init__(id="reason-screen")
        self.title_text = title
        self.record = record  # plain text describing the record (masked id, time)
        self.operator = operator

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box", classes="coord-dialog"):
            yield Static(Text(self.title_text), classes="coord-dialog-title")
            yield Static(Text(self.record), classes="coord-dialog-detail")
            yield Static(Text(self.t("form.reason")))
            yield Input(id="reason-input", max_length=200)
            yield Static(Text(self.t("form.operator")))
            yield Input(self.operator, id="reason-operator", max_length=64)
            yield Static(id="reason-error", classes="coord-error")
            with Horizontal(classes="coord-buttons"):
                yield Button(Text(self.t("common.ok")), id="reason-ok", variant="warning")
                yield Button(Text(self.t("common.cancel")), id="reason-cancel")

    def on_mount(self) -> None:
        self.query_one("#reason-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "reason-ok":
            self._submit()
        else:
            self.action_cancel()

    def _submit(self) -> None:
        reason = self.query_one("#reason-input", Input).value.strip()
        operator = self.query_one("#reason-operator", Input).value.strip()
        if not reason or not operator:
            key = "form.reason_required" if not reason else "form.operator_required"
            self.query_one("#reason-error", Static).update(Text(self.t(key)))
            return
        self.dismiss(Correction(reason, operator))

    def action_cancel(self) -> None:
        self.dismiss(None)
