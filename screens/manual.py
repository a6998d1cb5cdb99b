"""Manual entry: check in by registrant id, or record a paper activity-record form."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from kiosk.models import CheckinResult, Method
from kiosk.new_checkins import paper_registrant
from kiosk.text import sanitize
from screens.base import KioskScreen
from screens.messages import ScanDecided
from screens.validation import (
    normalise_registrant,
    valid_contact,
    valid_municipality,
    valid_registrant,
)
from screens.widgets.keybar import KeyBar

REASON_ID = "manual entry at gate (registrant id)"
REASON_PAPER = "paper activity-record form at gate"

LABELS = {
    "manual-title": "manual.title",
    "id-heading": "manual.id_heading",
    "id-label": "manual.id_label",
    "paper-heading": "manual.paper_heading",
    "name-label": "manual.name",
    "contact-label": "manual.contact",
    "municipality-label": "manual.municipality",
}


class ManualScreen(KioskScreen[CheckinResult | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "key.back")]

    def __init__(self) -> None:
        super().__init__(id="manual-screen")
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static(id="manual-title")
        with Horizontal(id="manual-body"):
            with Vertical(id="by-id", classes="manual-column"):
                yield Static(id="id-heading", classes="heading")
                yield Static(id="id-label", classes="label")
                yield Input(id="registrant", max_length=16)
                yield Static(id="id-error", classes="error")
                yield Button(id="record-id", variant="success", classes="big")
            with Vertical(id="paper", classes="manual-column"):
                yield Static(id="paper-heading", classes="heading")
                yield Static(id="name-label", classes="label")
                yield Input(id="name", max_length=100)
                yield Static(id="contact-label", classes="label")
                yield Input(id="contact", max_length=100)
                yield Static(id="municipality-label", classes="label")
                yield Input(id="municipality", max_length=6, restrict=r"[0-9]*")
                yield Static(id="paper-error", classes="error")
                yield Button(id="record-paper", variant="success", classes="big")
        yield KeyBar(self.t, id="keybar")

    def on_mount(self) -> None:
        self.query_one("#registrant", Input).focus()

    def translate_ui(self) -> None:
        t = self.t
        for widget_id, key in LABELS.items():
            self.query_one(f"#{widget_id}", Static).update(Text(t(key)))
        self.query_one("#registrant", Input).placeholder = t("manual.id_placeholder")
        self.query_one("#record-id", Button).label = Text(t("manual.id_button"))
        self.query_one("#record-paper", Button).label = Text(t("manual.paper_button"))

    def _error(self, widget_id: str, key: str | None) -> None:
        self.query_one(f"#{widget_id}", Static).update(Text(self.t(key) if key else ""))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "registrant":
            # Enter checks the id and moves to the button: recording takes one more press
            if self._check_id() is not None:
                self.query_one("#record-id", Button).focus()
                self._error("id-error", "manual.id_confirm")
        elif event.input.id == "municipality":
            self.record_paper()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "record-id":
            self.record_id()
        elif event.button.id == "record-paper":
            self.record_paper()

    def _check_id(self) -> str | None:
        field = self.query_one("#registrant", Input)
        registrant = normalise_registrant(field.value)
        if not valid_registrant(registrant):
            self._error("id-error", "manual.id_invalid")
            field.focus()
            return None
        self._error("id-error", None)
        return registrant

    def record_id(self) -> None:
        registrant = self._check_id()
        if registrant is not None:
            self._record(registrant, Method.MANUAL, REASON_ID, None)

    def record_paper(self) -> None:
        name = sanitize(self.query_one("#name", Input).value.strip(), 100)
        contact = sanitize(self.query_one("#contact", Input).value.strip(), 100)
        code = self.query_one("#municipality", Input).value.strip()
        problems = [  # every problem at once, the first wrong field focused
            (key, field_id)
            for ok, key, field_id in (
                (bool(name), "manual.name_required", "name"),
                (valid_contact(contact), "manual.contact_invalid", "contact"),
                (valid_municipality(code), "manual.municipality_invalid", "municipality"),
            )
            if not ok
        ]
        text = "\n".join(f"・{self.t(key)}" for key, _ in problems)
        self.query_one("#paper-error", Static).update(Text(text))
        if problems:
            self.query_one(f"#{problems[0][1]}", Input).focus()
            return
        self._record(paper_registrant(), Method.PAPER, REASON_PAPER, (name, contact, code))

    def _record(
        self, registrant: str, method: Method, reason: str, paper: tuple[str, str, str] | None
    ) -> None:
        if self.busy:
            return
        self.busy = True
        service = self.kiosk.services.checkins

        def record() -> None:
            result = service.record_manual(registrant, method, reason=reason, paper=paper)
            self.post_message(ScanDecided(result))

        self.background(record, group="manual")

    def on_scan_decided(self, message: ScanDecided) -> None:
        message.stop()
        self.busy = False
        self.dismiss(message.result)

    def action_back(self) -> None:
        self.dismiss(None)
