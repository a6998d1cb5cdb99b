"""The kiosk as `kiosk demo` shows it: the real App plus a network switch (the reference
server's fault switch) and the demo's coordinator PIN on screen."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from textual.binding import Binding, BindingType

from screens.app import KioskApp


class DemoControls(Protocol):
    def toggle_network(self) -> bool:
        """Switch the demo network off or on; returns True when it is now off."""


class DemoKioskApp(KioskApp):
    BINDINGS: ClassVar[list[BindingType]] = [
        *KioskApp.BINDINGS,
        Binding("f6", "toggle_network", "key.network"),
    ]

    def __init__(self, *args: Any, demo: DemoControls, pin: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.demo = demo
        self.pin = pin

    def on_mount(self) -> None:
        self.sub_title = self.translator("demo.welcome", pin=self.pin)
        # once the start screen (and its notice line) is up, not on the App's default screen
        self.set_timer(0.3, lambda: self.notify(self.sub_title, markup=False, timeout=15))

    def action_toggle_network(self) -> None:
        # The switch is an in-memory flag on the in-process server: no I/O on this thread.
        offline = self.demo.toggle_network()
        self.notify(
            self.translator("demo.offline" if offline else "demo.online"),
            markup=False,
            severity="warning" if offline else "information",
            timeout=4,
        )

    def action_coordinator(self) -> None:
        self.notify(self.sub_title, markup=False, timeout=8)
        super().action_coordinator()
