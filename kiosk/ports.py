"""Interfaces the core offers to the UI and the CLI for long-running services, so the UI
receives them by constructor injection and never imports their implementations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kiosk.models import SyncState


class SyncController(Protocol):
    """Background sync (`sync.worker.SyncWorker`). Callbacks run on the worker thread."""

    def start(self, on_state: Callable[[SyncState], None]) -> None: ...

    def stop(self) -> None: ...

    def trigger(self) -> None:
        """Sync as soon as possible (after a scan, or when the volunteer asks)."""

    @property
    def state(self) -> SyncState: ...


class Heartbeat(Protocol):
    """A liveness signal the UI loop gives (systemd's watchdog on a Pi; see kiosk.watchdog)."""

    @property
    def interval(self) -> float: ...

    def ready(self, status: str = "") -> bool: ...

    def ping(self) -> bool: ...
