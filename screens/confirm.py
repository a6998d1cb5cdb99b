"""Yes/no confirmation: undo at the gate, closing the day."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from screens.base import KioskModal


class ConfirmModal(KioskModal[bool]):
    """Dismisses with True for yes. Labels are already translated; by default the gate's
    yes/no. The safe answer (no) has the focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", show=False),
        Binding("left", "move(-1)", show=False),
        Binding("right", "move(1)", show=False),
    ]

    def __init__(
        self,
        question: str,
        *,
        title: str | None = None,
        yes: str | None = None,
        no: str | None = None,
    ) -> None:
        super().__init__(id="confirm-screen")
        self.question = question
        self.title_text = title
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            if self.title_text is not None:
                yield Static(Text(self.title_text), classes="dialog-title")
            yield Static(Text(self.question), classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yes = self.yes if self.yes is not None else self.t("key.yes")
                no = self.no if self.no is not None else self.t("key.no")
                yield Button(Text(yes), id="confirm-yes", variant="error")
                yield Button(Text(no), id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_move(self, step: int) -> None:
        """←/→ move between yes and no (as Tab does)."""
        if step < 0:
            self.focus_previous()
        else:
            self.focus_next()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
