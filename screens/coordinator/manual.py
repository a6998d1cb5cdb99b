"""Adds a manual record: a registrant id typed in, or a paper-form participant (name, contact,
municipality of registration). A reason and the operator are required."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from screens.base import KioskModal
from screens.i18n import COORDINATOR_CATALOG

REGISTRANT = re.compile(r"^FR[0-9A-HJKMNP-TV-Z]{10}$")


@dataclass(frozen=True, slots=True)
class ManualEntry:
    registrant: str | None  # None: a paper participant without an id
    name: str
    contact: str
    municipality: str
    reason: str
    operator: str

    @property
    def paper(self) -> bool:
        return bool(self.name)


def check_entry(entry: ManualEntry) -> str | None:
    """The catalog key of what is wrong with the entry, or None."""
    if entry.registrant is not None and not REGISTRANT.match(entry.registrant):
        return "form.registrant_invalid"
    if entry.registrant is None and not entry.name:
        return "form.name_or_id_required"
    if not entry.reason:
        return "form.reason_required"
    if not entry.operator:
        return "form.operator_required"
    return None


class ManualModal(KioskModal[ManualEntry | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]
    CATALOG = COORDINATOR_CATALOG

    FIELDS = ("registrant", "name", "contact", "municipality", "reason", "operator")

    def __init__(self, operator: str) -> None:
        super().__init__(id="manual-screen")
        self.operator = operator

    def compose(self) -> ComposeResult:
        with Vertical(id="manual-box", classes="coord-dialog"):
            yield Static(Text(self.t("manual.title")), classes="coord-dialog-title")
            yield Static(Text(self.t("manual.hint")), classes="coord-dialog-detail")
            for name in self.FIELDS:
                with Horizontal(classes="coord-field"):
                    yield Static(Text(self.t(f"form.{name}")), classes="coord-label")
                    yield Input(
                        self.operator if name == "operator" else "",
                        id=f"manual-{name}",
                        max_length=200,
                    )
            yield Static(id="manual-error", classes="coord-error")
            with Horizontal(classes="coord-buttons"):
                yield Button(Text(self.t("manual.add")), id="manual-ok", variant="primary")
                yield Button(Text(self.t("common.cancel")), id="manual-cancel")

    def on_mount(self) -> None:
        self.query_one("#manual-registrant", Input).focus()

    def _value(self, name: str) -> str:
        return self.query_one(f"#manual-{name}", Input).value.strip()

    def entry(self) -> ManualEntry:
        registrant = self._value("registrant").upper()
        return ManualEntry(
            registrant=registrant or None,
            name=self._value("name"),
            contact=self._value("contact"),
            municipality=self._value("municipality"),
            reason=self._value("reason"),
            operator=self._value("operator"),
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id != "manual-ok":
            self.action_cancel()
            return
        entry = self.entry()
        problem = check_entry(entry)
        if problem is not None:
            self.query_one("#manual-error", Static).update(Text(self.t(problem)))
            return
        self.dismiss(entry)

    def action_cancel(self) -> None:
        self.dismiss(None)
