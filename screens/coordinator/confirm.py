"""Confirms closing the day (no more check-ins for the activity on this device)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from screens.coordinator.text import CoordinatorText


class ConfirmCloseModal(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "answer(False)", show=False)]

    def __init__(self, text: CoordinatorText, question: str) -> None:
        super().__init__(id="confirm-close-screen")
        self.t = text
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-close-box", classes="coord-dialog"):
            yield Static(Text(self.t("close.confirm_title")), classes="coord-dialog-title")
            yield Static(Text(self.question))
            with Horizontal(classes="coord-buttons"):
                yield Button(Text(self.t("close.confirm_yes")), id="close-yes", variant="error")
                yield Button(Text(self.t("common.cancel")), id="close-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "close-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
