"""What every kiosk screen and dialog shares: the App's translator, language changes, steady
input cursors and thread workers.

From their App the screens use `translator` (a `screens.i18n.Translator`) and the `language`
reactive; the coordinator's screens also watch `sync_state`. `KioskApp` has all three."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual.screen import ModalScreen, Screen
from textual.widgets import Input
from textual.worker import Worker

from screens.i18n import GATE_CATALOG, Translator
from screens.results import Shown
from screens.widgets.banner import ResultOverlay
from screens.widgets.keybar import KeyBar
from screens.widgets.notice import NoticeLine

if TYPE_CHECKING:
    from screens.app import KioskApp

ResultT = TypeVar("ResultT")


class KioskScreen(Screen[ResultT]):
    """A screen of the kiosk. Subclasses implement `translate_ui` for the current language;
    `CATALOG` names the catalog their strings come from (the gate's by default)."""

    CATALOG: ClassVar[str] = GATE_CATALOG
    SHOWS_RESULTS: ClassVar[bool] = True
    """Decisions made while this screen is open go up as an overlay on it (the gate screen,
    which has its own banner, says False). See `screens.results` for the rule."""

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    @property
    def t(self) -> Translator:
        return self.kiosk.translator.catalog(self.CATALOG)

    def on_mount(self) -> None:
        """Runs after the subclass's own `on_mount` (Textual calls each class's handler in the
        MRO), so subclasses do not call `super().on_mount()`."""
        for field in self.query(Input):
            field.cursor_blink = False  # a steady cursor: calmer at the gate, stable snapshots
        self.watch(self.app, "language", self._language_changed, init=False)
        self.translate_ui()
        self.mount(NoticeLine(id="notice"))  # where `App.notify` writes (see KioskApp.notify)
        if self.SHOWS_RESULTS and hasattr(self.app, "results"):  # a KioskApp, not a test host
            self._overlay_from = self.kiosk.results.numbered  # only what is decided from now
            self.mount(ResultOverlay(self.kiosk.translator, id="result-overlay"))
            self.watch(self.app, "shown_result", self._result_up, init=False)
            self.watch(self.app, "results_waiting", self._result_up, init=False)

    def on_screen_resume(self) -> None:
        if self.SHOWS_RESULTS and hasattr(self.app, "results"):
            self._result_up()

    def _result_up(self, _changed: object = None) -> None:
        """Show the decision on the screen's overlay: one made while this screen was open."""
        shown: Shown | None = self.kiosk.shown_result
        for overlay in self.query(ResultOverlay):
            if shown is None or shown.number <= self._overlay_from or not self.is_current:
                overlay.set_class(False, "-visible")
                continue
            overlay.show(shown, self.kiosk.results_waiting)
            if overlay.tapped != shown.number:
                overlay.set_class(True, "-visible")

    def _language_changed(self, _language: str) -> None:
        self.translate_ui()
        for bar in self.query(KeyBar):
            bar.relabel()
        for overlay in self.query(ResultOverlay):
            overlay.repaint()

    def translate_ui(self) -> None:
        """Put the current language's strings on every widget."""

    def background(
        self, work: Callable[[], Any], *, group: str, exclusive: bool = False
    ) -> Worker[Any]:
        """Run blocking work (SQLite, the camera, a PIN hash) on a thread worker owned by the
        App.

        Failures reach the App's single worker-error handler; results come back as messages
        posted with `post_message`.
        """
        return self.app.run_worker(
            work,
            thread=True,
            group=group,
            description=f"{type(self).__name__}:{group}",
            exclusive=exclusive,
            exit_on_error=False,
        )


class KioskModal(ModalScreen[ResultT], KioskScreen[ResultT]):
    """A dialog of the kiosk: a kiosk screen shown over the one beneath. `ModalScreen` comes
    first: Textual takes a widget's default CSS along its first base classes only."""
