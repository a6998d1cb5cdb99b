"""The status line at the top of the scan screen (no clock widget: snapshots stay stable)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from kiosk.models import SyncState
from kiosk.scan.frames import SourceState
from kiosk.text import sanitize
from screens.i18n import Translator
from screens.scanning import PROBLEM_STATES
from screens.validation import local_time


@dataclass(frozen=True, slots=True)
class StatusInfo:
    activity: str
    sync: SyncState | None
    pending: int
    camera: SourceState | None  # None: no camera configured
    clock_trusted: bool
    storage_full: bool


class StatusBar(Static):
    """Activity · online/offline · pending uploads · last sync · camera · warnings."""

    DEFAULT_CSS = """
    StatusBar { height: 1; width: 1fr; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, translate: Translator, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.t = translate
        self.info: StatusInfo | None = None

    def show(self, info: StatusInfo) -> None:
        self.info = info
        self.update(self.render_info(info))

    def render_info(self, info: StatusInfo) -> Text:
        t = self.t
        text = Text()
        text.append(sanitize(info.activity, 40), style="bold")
        sync = info.sync
        if sync is None or not sync.configured:
            parts = [(t("status.offline_only"), "")]
        elif sync.needs_enrollment:
            parts = [(t("status.enroll"), "bold red")]
        else:
            parts = [(t("status.online") if sync.online else t("status.offline"), "")]
        parts.append((t("status.pending", count=info.pending), "bold" if info.pending else ""))
        if sync is not None and sync.configured:
            last = sync.last_success
            parts.append(
                (t("status.last_sync", time=local_time(last)) if last else t("status.never"), "")
            )
        if info.camera is None:
            parts.append((t("status.no_camera"), ""))
        else:
            bad = info.camera in PROBLEM_STATES
            parts.append((t(f"camera.{info.camera.value}"), "bold reverse" if bad else ""))
        if not info.clock_trusted:
            parts.append((t("status.clock_untrusted"), "bold reverse"))
        if info.storage_full:
            parts.append((t("status.storage_full"), "bold reverse"))
        for label, style in parts:
            text.append(" │ ")
            text.append(label, style=style)
        return text
