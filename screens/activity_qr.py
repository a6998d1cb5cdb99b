"""The activity's own QR code, for registrants who check themselves in with the national app.

The payload names the municipality and the activity (`furusato-activity:v1:<code>:<id>`);
it carries no personal data and no secret, so showing it on screen is safe."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from screens.base import KioskModal
from screens.widgets.qr import QrCode


def activity_qr_payload(municipality: str, activity_id: str) -> str:
    return f"furusato-activity:v1:{municipality}:{activity_id}"


class ActivityQrScreen(KioskModal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", show=False),
        Binding("f7", "close", show=False),
    ]
    DEFAULT_CSS = """
    ActivityQrScreen { align: center middle; overflow: hidden; }
    #qr-box { width: auto; height: auto; padding: 0 2; background: $surface;
              border: heavy $primary; align: center middle; }
    #qr-title, #qr-hint { width: 44; text-align: center; text-style: bold; }
    """

    def __init__(self, activity_name: str, payload: str) -> None:
        super().__init__(id="activity-qr-screen")
        self.activity_name = activity_name
        self.payload = payload

    def compose(self) -> ComposeResult:
        with Vertical(id="qr-box"):
            yield Static(Text(self.activity_name), id="qr-title")
            yield QrCode(self.payload, id="qr-code")
            yield Static(Text(self.t("activity_qr.hint")), id="qr-hint")

    def on_click(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
