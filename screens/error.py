"""A recoverable error screen: what happened in plain words, never a traceback."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Static

from kiosk.text import sanitize
from screens.base import KioskModal


class ErrorScreen(KioskModal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", show=False)]

    def __init__(self, problem: str) -> None:
        super().__init__(id="error-screen")
        self.problem = sanitize(problem, 80)

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="error-box", classes="dialog"):
            yield Static(Text("⚠ " + t("error.title")), classes="dialog-title")
            yield Static(Text(t("error.body")), classes="dialog-body")
            yield Static(Text(t("error.detail", name=self.problem)), classes="dialog-detail")
            yield Button(Text(t("key.continue")), id="error-continue", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#error-continue", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
