"""A progress bar for a large upload backlog (after a long time offline): hidden otherwise."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from kiosk.models import SyncState
from screens.i18n import Translator

SHOW_FROM = 50
"""Backlogs smaller than this upload in a blink; a bar would only flicker."""


class UploadProgress(Horizontal):
    DEFAULT_CSS = """
    UploadProgress { height: 1; display: none; padding: 0 1; }
    UploadProgress.-active { display: block; }
    UploadProgress Label { width: auto; margin-right: 1; }
    """

    def __init__(self, translate: Translator, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.t = translate

    def compose(self) -> ComposeResult:
        yield Label(self.t("status.uploading"), markup=False)
        yield ProgressBar(show_eta=False, show_percentage=True)

    def show(self, state: SyncState | None) -> None:
        """Follow the sync worker's state: total = backlog when the pass began."""
        total = state.backlog_at_start if state is not None else 0
        active = state is not None and total >= SHOW_FROM and state.pending > 0
        self.set_class(active, "-active")
        if active and state is not None:
            self.query_one(Label).update(self.t("status.uploading"))
            self.query_one(ProgressBar).update(total=total, progress=total - state.pending)
