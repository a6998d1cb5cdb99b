"""A sync controller that builds the real sync service on a background thread when started.

Building `sync.worker.SyncWorker` imports the HTTP client stack (httpx and friends, about
0.35 s on the project machine; the device token read loads keyring too). `kiosk run` hands
the App this stand-in instead, so the volunteer's first screen never waits for it.

`start()` returns at once; a thread waits `delay_s` and then builds and starts the service.
The delay matters: a thread busy importing holds the GIL in long stretches and made the
first screen interactive 0.7 s later when it ran right away (measured by `make bench`).
Until the service exists, `state` is the state given at construction (what the header shows).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from kiosk.models import SyncState, UploadOutcome
from kiosk.ports import SyncController, UploadFlusher
from kiosk.text import sanitize

log = logging.getLogger("sync.deferred")
BUILD_WAIT_S = 30.0


class DeferredSync:
    """`SyncController` whose service comes from `build()` on a thread started by `start()`."""

    def __init__(
        self, build: Callable[[], SyncController], initial: SyncState, *, delay_s: float = 0.0
    ) -> None:
        self._build = build
        self._state = initial
        self._delay_s = delay_s
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._inner: SyncController | None = None
        self._builder: threading.Thread | None = None
        self._triggered = False
        self._stopped = False
        self._settled = threading.Event()  # the service was built (or could not be)

    @property
    def state(self) -> SyncState:
        with self._lock:
            return self._inner.state if self._inner is not None else self._state

    def start(self, on_state: Callable[[SyncState], None]) -> None:
        with self._lock:
            if self._builder is not None or self._stopped:
                raise RuntimeError("sync already started or stopped")
            self._builder = threading.Thread(
                target=self._build_and_start, args=(on_state,), name="kiosk-sync-build", daemon=True
            )
            self._builder.start()

    def _build_and_start(self, on_state: Callable[[SyncState], None]) -> None:
        try:
            self._build_then_start(on_state)
        finally:
            self._settled.set()

    def _build_then_start(self, on_state: Callable[[SyncState], None]) -> None:
        if self._stopping.wait(self._delay_s):
            return  # stopped before it was built: nothing to close
        try:
            inner = self._build()
        except Exception as exc:  # the gate keeps working offline; the header says so
            log.exception("the sync service could not be built")
            with self._lock:
                self._state = replace(
                    self._state, online=False, message=sanitize(f"sync failed: {exc}")
                )
                state = self._state
            on_state(state)
            return
        with self._lock:
            if self._stopped:  # the App closed while we were building
                inner.stop()
                return
            self._inner = inner
            inner.start(on_state)
            if self._triggered:
                inner.trigger()

    def trigger(self) -> None:
        with self._lock:
            if self._inner is not None:
                self._inner.trigger()
            else:
                self._triggered = True  # the service syncs as soon as it is built anyway

    def flush(self, timeout: float) -> UploadOutcome:
        """The service's flush (`kiosk.ports.UploadFlusher`), once it is built: waits for the
        build first (within `timeout`)."""
        started = time.monotonic()
        with self._lock:
            never_started = self._builder is None
        if never_started or not self._settled.wait(timeout):
            return UploadOutcome(0, self.state.pending, "sync not started yet")
        with self._lock:
            inner = self._inner
        if not isinstance(inner, UploadFlusher):
            message = self.state.message or "sync is not running"
            return UploadOutcome(0, self.state.pending, message)
        return inner.flush(max(0.0, timeout - (time.monotonic() - started)))

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            builder = self._builder
        self._stopping.set()
        if builder is not None:
            builder.join(BUILD_WAIT_S)
        with self._lock:
            inner = self._inner
        if inner is not None:
            inner.stop()
