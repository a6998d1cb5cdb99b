"""One line for short notices ("3 files written", "undone"), docked just above the key bar.

It replaces Textual's toasts on kiosk screens: a toast floats over other widgets, and where
it crosses their edges the terminal loses half of a double-width character (Japanese text came
out as `3 件の  ァイルを書き出  ました`). A docked line covers nothing, so nothing is lost.
Severity shows as a symbol and a colour (never colour alone)."""

from __future__ import annotations

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

MARKS = {"information": "ℹ", "warning": "⚠", "error": "✗"}
DEFAULT_SECONDS = 5.0


class NoticeLine(Static):
    DEFAULT_CSS = """
    NoticeLine {
        dock: bottom; margin-bottom: 3; width: 100%; height: auto; max-height: 3;
        padding: 0 1; display: none; text-style: bold;
        background: $primary-muted; color: $text;
    }
    NoticeLine.-shown { display: block; }
    NoticeLine.-warning { background: #f2a900; color: #000000; }
    NoticeLine.-error { background: #b71c1c; color: #ffffff; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.message = ""
        self.severity = "information"
        self._timer: Timer | None = None

    def say(
        self, message: str, severity: str = "information", timeout: float | None = None
    ) -> None:
        """Show `message` (plain text, never markup) for `timeout` seconds."""
        self.message, self.severity = message, severity
        for name in MARKS:
            self.set_class(name == severity, f"-{name}")
        self.update(Text(f"{MARKS.get(severity, MARKS['information'])} {message}"))
        self.add_class("-shown")
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(timeout or DEFAULT_SECONDS, self.clear)

    def clear(self) -> None:
        self.message = ""
        self.remove_class("-shown")
        self._timer = None
