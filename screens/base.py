"""What every kiosk screen shares: the App's translator, language changes, thread workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.screen import ModalScreen, Screen
from textual.worker import Worker

from screens.i18n import Translator
from screens.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from screens.app import KioskApp

ResultT = TypeVar("ResultT")


class KioskScreen(Screen[ResultT]):
    """A screen of the kiosk. Subclasses implement `translate_ui` for the current language."""

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    @property
    def t(self) -> Translator:
        return self.kiosk.translator

    def on_mount(self) -> None:
        """Runs after the subclass's own `on_mount` (Textual calls each class's handler in the
        MRO), so subclasses do not call `super().on_mount()`."""
        self.watch(self.app, "language", self._language_changed, init=False)
        self.translate_ui()

    def _language_changed(self, _language: str) -> None:
        self.translate_ui()
        for bar in self.query(KeyBar):
            bar.relabel()

    def translate_ui(self) -> None:
        """Put the current language's strings on every widget."""

    def background(
        self, work: Callable[[], Any], *, group: str, exclusive: bool = False
    ) -> Worker[Any]:
        """Run blocking work (SQLite, the camera) on a thread worker owned by the App.

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


class KioskModal(ModalScreen[ResultT]):
    """A modal dialog of the kiosk."""

    @property
    def t(self) -> Translator:
        return cast("KioskApp", self.app).translator
