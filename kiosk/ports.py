"""Interfaces the core offers to the UI and the CLI for long-running services, so the UI
receives them by constructor injection and never imports their implementations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, runtime_checkable

from kiosk.activity_code import ActivityCode
from kiosk.activity_code_keys import NoCode
from kiosk.models import SyncState, UploadOutcome


class SyncController(Protocol):
    """Background sync (`sync.worker.SyncWorker`). Callbacks run on the worker thread."""

    def start(self, on_state: Callable[[SyncState], None]) -> None: ...

    def stop(self) -> None: ...

    def trigger(self) -> None:
        """Sync as soon as possible (after a scan, or when the volunteer asks)."""

    @property
    def state(self) -> SyncState: ...


@runtime_checkable
class UploadFlusher(Protocol):
    """A sync service that can upload everything now and say when it is done (the worker and
    its deferred stand-in). Closing a day waits for it, so a void made a moment before
    closing reaches the national server before the close-out does."""

    def flush(self, timeout: float) -> UploadOutcome:
        """Upload every pending check-in and correction, in order; wait at most `timeout`
        seconds. Progress is posted as `SyncState` through the usual callback."""


class Heartbeat(Protocol):
    """A liveness signal the UI loop gives (systemd's watchdog on a Pi; see kiosk.watchdog)."""

    @property
    def interval(self) -> float: ...

    def ready(self, status: str = "") -> bool: ...

    def ping(self) -> bool: ...


class ActivityCodeSource(Protocol):
    """The signed activity code of the current window (`kiosk.activity_code_keys.ActivityCodes`)
    for F7; `now` is server-corrected. Blocking (a secret store read): call it off the UI."""

    def code(self, activity_id: str, now: datetime) -> ActivityCode | NoCode: ...
