"""The kiosk as `kiosk demo` shows it: the real App plus a network switch (the reference
server's fault switch), a simulated registrant app that scans the code F7 shows (F8), and the
demo's coordinator PIN on screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from textual.binding import Binding, BindingType
from textual.message import Message

from screens.app import KioskApp

APP_ANSWERS = ("accepted", "duplicate", "rejected", "no_code", "offline", "failed")


class AppAnswer(Protocol):
    @property
    def status(self) -> str:
        """One of APP_ANSWERS."""

    @property
    def reason(self) -> str: ...


class DemoControls(Protocol):
    def toggle_network(self) -> bool:
        """Switch the demo network off or on; returns True when it is now off."""

    def app_checkin(self) -> AppAnswer:
        """A registrant's app scans the code F7 shows and checks in (blocking)."""


@dataclass
class AppCheckedIn(Message):
    answer: AppAnswer


class DemoKioskApp(KioskApp):
    BINDINGS: ClassVar[list[BindingType]] = [
        *KioskApp.BINDINGS,
        Binding("f6", "toggle_network", "key.network"),
        Binding("f8", "app_checkin", "key.app_checkin"),
    ]

    def __init__(self, *args: Any, demo: DemoControls, pin: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.demo = demo
        self.pin = pin

    def on_mount(self) -> None:
        self.sub_title = self.translator("demo.welcome", pin=self.pin)
        # once the start screen (and its notice line) is up, not on the App's default screen
        self.set_timer(0.3, lambda: self.notify(self.sub_title, markup=False, timeout=15))

    def action_locked(self) -> None:
        """Ctrl+Q and friends: the demo says how to leave it (F9, its PIN, Q)."""
        self.notify(self.sub_title, markup=False, timeout=8)

    def action_toggle_network(self) -> None:
        # The switch is an in-memory flag on the in-process server: no I/O on this thread.
        offline = self.demo.toggle_network()
        self.notify(
            self.translator("demo.offline" if offline else "demo.online"),
            markup=False,
            severity="warning" if offline else "information",
            timeout=4,
        )

    def action_app_checkin(self) -> None:
        """Play a registrant checking in with the app: the request goes out on a worker."""
        demo = self.demo

        def run() -> None:
            self.post_message(AppCheckedIn(demo.app_checkin()))

        self.run_worker(run, thread=True, group="demo-app", exit_on_error=False)

    def on_app_checked_in(self, message: AppCheckedIn) -> None:
        answer = message.answer
        status = answer.status if answer.status in APP_ANSWERS else "failed"
        text = self.translator(f"demo.app_{status}", reason=answer.reason)
        self.notify(text, markup=False, severity="information", timeout=6)

    def action_coordinator(self) -> None:
        self.notify(self.sub_title, markup=False, timeout=8)
        super().action_coordinator()
