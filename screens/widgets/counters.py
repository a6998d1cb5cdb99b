"""Today's counters: accepted, unique people, duplicates, rejected (big digits)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from kiosk.store import Counts
from screens.i18n import Translator

FIELDS: tuple[str, ...] = ("accepted", "unique", "duplicates", "rejected")


class Counters(Horizontal):
    DEFAULT_CSS = """
    Counters { height: auto; }
    Counters > Vertical { width: 1fr; height: auto; padding: 0 1; }
    Counters .counter-label { width: 1fr; text-style: bold; }
    Counters Digits { width: auto; }
    """

    def __init__(self, translate: Translator, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.t = translate
        self.values: dict[str, int] = dict.fromkeys(FIELDS, 0)

    def compose(self) -> ComposeResult:
        for name in FIELDS:
            with Vertical(id=f"counter-{name}", classes="counter"):
                yield Static(classes="counter-label")
                yield Digits("0")

    def on_mount(self) -> None:
        self.relabel()

    def relabel(self) -> None:
        for name in FIELDS:
            box = self.query_one(f"#counter-{name}", Vertical)
            box.query_one(".counter-label", Static).update(Text(self.t(f"count.{name}")))

    def show(self, counts: Counts) -> None:
        self.values = {
            "accepted": counts.accepted,
            "unique": counts.unique_people,
            "duplicates": counts.duplicates,
            "rejected": counts.rejected,
        }
        for name, value in self.values.items():
            self.query_one(f"#counter-{name}", Vertical).query_one(Digits).update(str(value))
