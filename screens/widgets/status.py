"""The status line at the top of the scan screen (no clock widget: snapshots stay stable), and
the amber bar under it that nobody can miss while check-ins are not reaching the national
system: offline, or uploads failing, with the queue size and how long since the last upload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
    now: datetime | None = None  # for "last upload N minutes ago"


def sync_health(sync: SyncState | None) -> str:
    """ok | offline | failing | enroll | offline_only (no API configured)."""
    if sync is None or not sync.configured:
        return "offline_only"
    if sync.needs_enrollment:
        return "enroll"
    if not sync.online:
        return "offline"
    return "failing" if sync.message else "ok"


def minutes_since(last: datetime | None, now: datetime | None) -> int | None:
    if last is None or now is None:
        return None
    return max(0, int((now - last).total_seconds() // 60))


class StatusBar(Static):
    """Activity · online/offline · pending uploads · last sync · camera · warnings."""

    DEFAULT_CSS = """
    StatusBar { height: 1; width: 1fr; background: $panel; color: $text; padding: 0 1; }
    StatusBar.-amber { background: #f2a900; color: #000000; }
    StatusBar.-red { background: #b71c1c; color: #ffffff; }
    """

    def __init__(self, translate: Translator, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.t = translate
        self.info: StatusInfo | None = None

    def show(self, info: StatusInfo) -> None:
        self.info = info
        health = sync_health(info.sync)
        self.set_class(health in ("offline", "failing"), "-amber")
        self.set_class(health == "enroll" or info.storage_full, "-red")
        self.update(self.render_info(info))

    def render_info(self, info: StatusInfo) -> Text:
        t = self.t
        text = Text()
        text.append(sanitize(info.activity, 40), style="bold")
        sync = info.sync
        health = sync_health(sync)
        label = {
            "offline_only": (t("status.offline_only"), ""),
            "enroll": (t("status.enroll"), "bold"),
            "offline": (t("status.offline"), "bold"),
            "failing": (t("status.failing"), "bold"),
            "ok": (t("status.online"), ""),
        }[health]
        parts = [label]
        parts.append((t("status.pending", count=info.pending), "bold" if info.pending else ""))
        if sync is not None and sync.configured and health == "ok":
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
        for part, style in parts:
            text.append(" │ ")
            text.append(part, style=style)
        return text


class SyncBar(Static):
    """Amber, full width, only while check-ins are not reaching the national system."""

    DEFAULT_CSS = """
    SyncBar {
        height: auto; width: 1fr; padding: 0 1; display: none;
        background: #f2a900; color: #000000; text-style: bold;
    }
    SyncBar.-shown { display: block; }
    """

    def __init__(self, translate: Translator, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.t = translate
        self.text = ""

    def show(self, info: StatusInfo) -> None:
        health = sync_health(info.sync)
        shown = health in ("offline", "failing")
        self.set_class(shown, "-shown")
        self.text = self.describe(info, health) if shown else ""
        self.update(Text(self.text))

    def describe(self, info: StatusInfo, health: str) -> str:
        t = self.t
        sync = info.sync
        minutes = minutes_since(sync.last_success if sync else None, info.now)
        since = t("sync_bar.never") if minutes is None else t("sync_bar.since", minutes=minutes)
        return t(f"sync_bar.{health}", count=info.pending, since=since)
