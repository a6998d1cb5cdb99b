"""F7: the activity's signed, rotating code, for registrants who check themselves in with the
national app (seed 004's main path).

The code is a compact JWS the kiosk makes offline from the activity code key the national
system delegated to it for this activity and day (`kiosk.activity_code_keys`); it changes with
every window (60 s by default) and the server accepts it only within its window, on its day, for
this activity and device, so a photo of the screen is useless a minute later. The screen gives
the code all the height it has (the largest drawing that fits, `screens.widgets.qr`), with the
activity, what to do and a countdown beside it on server-corrected time, and makes the next
code when the window ends. Without a key it says so plainly."""

from __future__ import annotations

import math
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from kiosk.activity_code import ActivityCode
from kiosk.clock import server_now
from kiosk.text import sanitize
from screens.base import KioskScreen
from screens.messages import ActivityCodeLoaded
from screens.widgets.qr import QrCode, fitting_style

SIDE_COLUMNS = 30  # the text beside the code (activity, what to do, countdown)


class ActivityQrScreen(KioskScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", show=False),
        Binding("f7", "close", show=False),
    ]
    DEFAULT_CSS = """
    ActivityQrScreen { background: $surface; overflow: hidden; }  /* the result band: full width */
    #qr-row { height: 1fr; align: center middle; }
    #qr-side { width: 1fr; min-width: 30; height: 100%; padding: 1 2;
               border-left: heavy $primary; }
    #qr-title { text-style: bold; margin-bottom: 1; }
    #qr-countdown { text-style: bold; margin-top: 1; }
    #qr-message { padding: 1 2; width: 1fr; }
    """

    def __init__(self, activity_id: str, activity_name: str) -> None:
        super().__init__(id="activity-qr-screen")
        self.activity_id = activity_id
        self.activity_name = activity_name
        self.code: ActivityCode | None = None
        self.missing = ""  # a catalog key when there is no code to show
        self.loading = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="qr-row"):
            yield QrCode(id="qr-code")
            yield Static(id="qr-message")
            with Vertical(id="qr-side"):
                yield Static(Text(sanitize(self.activity_name, 60)), id="qr-title")
                yield Static(id="qr-hint")
                yield Static(id="qr-countdown")

    def on_mount(self) -> None:
        self.load()
        self.set_interval(1.0, self.tick)

    # -- the code -----------------------------------------------------------------------------

    def load(self) -> None:
        """Make the current window's code on a worker (the key is read from the secret store)."""
        source, clock = self.kiosk.activity_codes, self.kiosk.clock
        if source is None:
            self._missing("activity_qr.unavailable")
            return
        self.loading = True
        activity_id = self.activity_id

        def make() -> None:
            self.post_message(ActivityCodeLoaded(source.code(activity_id, server_now(clock))))

        self.background(make, group="activity-code", exclusive=True)

    def on_activity_code_loaded(self, message: ActivityCodeLoaded) -> None:
        message.stop()
        self.loading = False
        if isinstance(message.code, ActivityCode):
            self.code, self.missing = message.code, ""
            self._draw()
        else:
            self._missing(f"activity_qr.{message.code.reason.value}")

    def _missing(self, key: str) -> None:
        self.code, self.missing = None, key
        self._draw()

    @property
    def seconds_left(self) -> int | None:
        """Whole seconds until the code on screen expires (server-corrected time)."""
        if self.code is None:
            return None
        now = server_now(self.kiosk.clock).timestamp()
        return max(0, math.ceil(self.code.expires - now))

    def tick(self) -> None:
        """Every second: the countdown, and the next code once this one expired."""
        if self.seconds_left == 0 and not self.loading:
            self.load()
        self._countdown()

    # -- drawing ------------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        qr = self.query_one("#qr-code", QrCode)
        message = self.query_one("#qr-message", Static)
        columns, rows = self.app.size.width - SIDE_COLUMNS, self.app.size.height
        if self.code is not None:
            qr.show(self.code.token, style=fitting_style(self.code.token, columns, rows))
            qr.display, message.display = True, False
        else:
            qr.display, message.display = False, bool(self.missing)
            message.update(Text(self.t(self.missing) if self.missing else ""))
        self.query_one("#qr-hint", Static).update(Text(self.t("activity_qr.hint")))
        self._countdown()

    def _countdown(self) -> None:
        left = self.seconds_left
        text = "" if left is None else self.t("activity_qr.countdown", seconds=left)
        self.query_one("#qr-countdown", Static).update(Text(text))

    def translate_ui(self) -> None:
        self._draw()

    def on_click(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
