"""The coordinator PIN dialog: checks through an injected verifier, shows the lock-out."""

from __future__ import annotations

import math
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kiosk.pin import PinCheck
from screens.base import KioskModal
from screens.coordinator.context import PinVerifier
from screens.coordinator.messages import PinChecked
from screens.i18n import COORDINATOR_CATALOG


class PinModal(KioskModal[bool]):
    """Dismisses with True once the PIN is right, False when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]
    CATALOG = COORDINATOR_CATALOG

    def __init__(self, verifier: PinVerifier) -> None:
        super().__init__(id="pin-screen")
        self.verifier = verifier
        self._status = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-box", classes="coord-dialog"):
            yield Static(Text(self.t("pin.title")), classes="coord-dialog-title")
            yield Static(Text(self.t("pin.prompt")))
            yield Input(
                password=True,
                restrict=r"[0-9]*",
                max_length=12,
                placeholder=self.t("pin.placeholder"),
                id="pin-input",
            )
            yield Static(id="pin-status")
            with Horizontal(classes="coord-buttons"):
                yield Button(Text(self.t("pin.unlock")), id="pin-unlock", variant="primary")
                yield Button(Text(self.t("common.cancel")), id="pin-cancel")

    def on_mount(self) -> None:
        self.query_one("#pin-input", Input).focus()
        self.set_interval(1.0, self._show_lockout)
        self._show_lockout()

    def _locked_text(self, seconds: float) -> str:
        return self.t("pin.locked", seconds=math.ceil(seconds))

    def _show_lockout(self) -> None:
        remaining = self.verifier.locked_for()
        status = self._locked_text(remaining) if remaining > 0 else self._status
        self.query_one("#pin-status", Static).update(Text(status, style="bold"))
        self.query_one("#pin-unlock", Button).disabled = remaining > 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._check()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "pin-unlock":
            self._check()
        else:
            self.action_cancel()

    def _check(self) -> None:
        field = self.query_one("#pin-input", Input)
        pin, field.value = field.value, ""
        if not pin:
            return
        verifier = self.verifier

        def work() -> None:
            self.post_message(PinChecked(verifier.attempt(pin)))

        self.background(work, group="coordinator-pin", exclusive=True)

    def on_pin_checked(self, message: PinChecked) -> None:
        attempt = message.attempt
        if attempt.result is PinCheck.OK:
            self.dismiss(True)
            return
        if attempt.result is PinCheck.WRONG:
            left = max(0, self.verifier.max_failures - attempt.failures)
            self._status = self.t("pin.wrong", failures=attempt.failures, left=left)
        self._show_lockout()

    def action_cancel(self) -> None:
        self.dismiss(False)
