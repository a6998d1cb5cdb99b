"""`sync.deferred.DeferredSync`: the real service is built on a thread when the App starts it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from kiosk.models import SyncState, UploadOutcome
from kiosk.ports import UploadFlusher
from sync.deferred import DeferredSync

INITIAL = SyncState(configured=True, online=True, pending=3)
WAIT_S = 10.0


class RecordingSync:
    """A SyncController that records what it was asked to do."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.stopped = False
        self.triggers = 0
        self.on_state: Callable[[SyncState], None] | None = None

    @property
    def state(self) -> SyncState:
        return SyncState(configured=True, online=False, pending=7)

    def start(self, on_state: Callable[[SyncState], None]) -> None:
        self.on_state = on_state
        self.started.set()

    def stop(self) -> None:
        self.stopped = True

    def trigger(self) -> None:
        self.triggers += 1


def test_builds_on_start_and_then_reports_the_real_state() -> None:
    inner = RecordingSync()
    built = threading.Event()

    def build() -> RecordingSync:
        built.set()
        return inner

    deferred = DeferredSync(build, INITIAL)
    assert not built.is_set()  # nothing is built (or imported) before start
    assert deferred.state == INITIAL
    seen: list[SyncState] = []
    deferred.start(seen.append)
    assert inner.started.wait(WAIT_S)
    assert inner.on_state == seen.append
    assert deferred.state.pending == 7
    deferred.trigger()
    assert inner.triggers == 1
    deferred.stop()
    assert inner.stopped


def test_a_trigger_before_the_service_exists_is_kept() -> None:
    inner = RecordingSync()
    release = threading.Event()

    def build() -> RecordingSync:
        release.wait(WAIT_S)
        return inner

    deferred = DeferredSync(build, INITIAL)
    deferred.start(lambda state: None)
    deferred.trigger()
    release.set()
    assert inner.started.wait(WAIT_S)
    deferred.stop()
    assert inner.triggers == 1


def test_stop_while_building_never_starts_the_service() -> None:
    inner = RecordingSync()
    building, release = threading.Event(), threading.Event()

    def build() -> RecordingSync:
        building.set()
        release.wait(WAIT_S)
        return inner

    deferred = DeferredSync(build, INITIAL)
    deferred.start(lambda state: None)
    assert building.wait(WAIT_S)
    stopper = threading.Thread(target=deferred.stop)
    stopper.start()
    release.set()
    stopper.join(WAIT_S)
    assert not inner.started.is_set()
    assert inner.stopped  # its client is closed all the same


def test_a_failed_build_is_reported_offline_and_the_gate_goes_on() -> None:
    def build() -> RecordingSync:
        raise OSError("no \x1b[31mroute")

    deferred = DeferredSync(build, INITIAL)
    reported: list[SyncState] = []
    done = threading.Event()

    def on_state(state: SyncState) -> None:
        reported.append(state)
        done.set()

    deferred.start(on_state)
    assert done.wait(WAIT_S)
    (state,) = reported
    assert state.online is False
    assert state.pending == 3
    assert "\x1b" not in state.message
    assert "route" in state.message
    assert deferred.state == state
    deferred.stop()


def test_start_twice_is_an_error() -> None:
    deferred = DeferredSync(RecordingSync, INITIAL)
    deferred.start(lambda state: None)
    with pytest.raises(RuntimeError):
        deferred.start(lambda state: None)
    deferred.stop()
    with pytest.raises(RuntimeError):  # nor after stop
        deferred.start(lambda state: None)


def test_stop_during_the_start_delay_builds_nothing() -> None:
    built: list[RecordingSync] = []

    def build() -> RecordingSync:
        built.append(RecordingSync())
        return built[-1]

    deferred = DeferredSync(build, INITIAL, delay_s=60.0)
    deferred.start(lambda state: None)
    deferred.stop()  # returns at once: the delay wait is interrupted
    assert built == []


class FlushingSync(RecordingSync):
    """A SyncController that can also upload everything now (`kiosk.ports.UploadFlusher`)."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[float] = []

    def flush(self, timeout: float) -> UploadOutcome:
        self.flushed.append(timeout)
        return UploadOutcome(7, 0)


def test_flush_waits_for_the_service_and_hands_the_request_on() -> None:
    inner = FlushingSync()
    release = threading.Event()

    def build() -> FlushingSync:
        release.wait(WAIT_S)
        return inner

    deferred = DeferredSync(build, INITIAL)
    assert isinstance(deferred, UploadFlusher)
    assert deferred.flush(WAIT_S) == UploadOutcome(0, 3, "sync not started yet")
    deferred.start(lambda state: None)
    release.set()
    assert deferred.flush(WAIT_S) == UploadOutcome(7, 0)
    assert len(inner.flushed) == 1
    assert 0 < inner.flushed[0] <= WAIT_S
    deferred.stop()


def test_flush_without_a_flushing_service_says_why() -> None:
    def build() -> RecordingSync:
        raise OSError("no route")

    deferred = DeferredSync(build, INITIAL)
    deferred.start(lambda state: None)
    outcome = deferred.flush(WAIT_S)
    assert (outcome.uploaded, outcome.pending, outcome.complete) == (0, 3, False)
    assert "no route" in outcome.error
    deferred.stop()
