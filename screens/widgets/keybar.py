"""Large touch targets for the screen's key bindings, labelled from the catalog.

Bindings declare a catalog key as their description (e.g. "key.manual"); the bar shows the
key and the translated label, and a tap runs the same action as the key.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.dom import DOMNode
from textual.widgets import Static

from screens.i18n import Translator


class KeyChip(Static):
    DEFAULT_CSS = """
    KeyChip {
        width: auto; min-width: 10; height: 3; padding: 0 1; content-align: center middle;
        text-align: center; text-style: bold; background: $primary-muted; color: $text;
        margin: 0 0 0 1;
    }
    KeyChip:hover { background: $primary 40%; }
    """

    def __init__(self, binding: Binding, node: DOMNode, label: Text) -> None:
        super().__init__(label)
        self.binding = binding
        self.node = node

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        await self.app.run_action(self.binding.action, default_namespace=self.node)


class KeyBar(Horizontal):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 3; width: 1fr; padding: 0 1 0 0; }
    """

    def __init__(self, translate: Translator, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.t = translate

    def compose(self) -> ComposeResult:
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding).upper()
            # the key above its label: narrow chips, so the bar fits 80 columns in one row
            label = Text(f" {key} ", style="bold reverse", no_wrap=True)
            label.append(f"\n{self.t(binding.description)}", style="bold")
            yield KeyChip(binding, active.node, label)

    def relabel(self) -> None:
        self.refresh(recompose=True)
