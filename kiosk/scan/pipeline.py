"""Source -> decode -> debounce -> sink, in worker threads, with callbacks for the UI.

Two threads: a capture thread moves frames from the source into a one-frame slot (dropping
the stale frame when decoding falls behind a live source), and a decode thread scans the newest
frame, debounces the payloads and submits each admitted payload to the sink (the check-in
service). Callbacks run on these worker threads: the UI wraps them into Textual messages with
`post_message`, which is thread-safe; they must not block.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Generator
from typing import Protocol

from kiosk.models import CheckinResult, Method
from kiosk.scan.debounce import Debouncer
from kiosk.scan.frames import Frame, FrameSource, SourceError, SourceState
from kiosk.scan.mailbox import LatestSlot
from kiosk.scan.scanner import FrameScanner, build_scanner
from kiosk.scan.settings import ScanSettings
from kiosk.scan.stats import PipelineStats, StatsSnapshot


class DecisionSink(Protocol):
    """What the pipeline hands payloads to (`kiosk.checkins.CheckinService` satisfies it)."""

    def submit(
        self, payload: str, method: Method, captured_at: float | None = None
    ) -> CheckinResult: ...


ResultCallback = Callable[[CheckinResult], None]
StateCallback = Callable[[SourceState, str], None]
ErrorCallback = Callable[[BaseException], None]

_FINAL_STATES = frozenset({SourceState.STOPPED, SourceState.FAILED})


class ScanPipeline:
    """Runs a frame source through the decoder into a decision sink until stopped or exhausted.

    on_result(result): one call per decision (after debouncing).
    on_state(state, detail): source state changes (camera not found / busy / reconnecting...).
    on_error(exc): a non-fatal problem (a frame that failed to decode, a sink error, a callback
      error) or the fatal one that ended the source; the pipeline keeps running when it can.
    """

    def __init__(
        self,
        source: FrameSource,
        sink: DecisionSink,
        *,
        settings: ScanSettings | None = None,
        scanner: FrameScanner | None = None,
        on_result: ResultCallback | None = None,
        on_state: StateCallback | None = None,
        on_error: ErrorCallback | None = None,
        method: Method = Method.CAMERA,
    ) -> None:
        self.source = source
        self.sink = sink
        self.settings = settings or ScanSettings()
        self._scanner = scanner
        self._on_result = on_result
        self._on_state = on_state
        self._on_error = on_error
        self.method = method
        self.debouncer = Debouncer(self.settings.rearm_s)
        self.stats = PipelineStats()
        self.error: BaseException | None = None
        self.state = SourceState.STARTING
        self._stop = threading.Event()
        self._done = threading.Event()
        self._slot: LatestSlot[Frame] = LatestSlot(drop_stale=source.realtime)
        self._threads: list[threading.Thread] = []
        self._started = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker threads (once)."""
        if self._started:
            raise RuntimeError("pipeline already started")
        self._started = True
        if self._scanner is None:
            self._scanner = build_scanner(self.settings, live=self.source.realtime)
        capture = threading.Thread(target=self._capture_loop, name="scan-capture", daemon=True)
        decode = threading.Thread(target=self._decode_loop, name="scan-decode", daemon=True)
        self._threads = [capture, decode]
        capture.start()
        decode.start()

    def stop(self, timeout: float | None = 5.0) -> bool:
        """Ask the pipeline to stop and wait for it; True when it has fully stopped.

        Safe to call from a callback (it then only asks, since a worker cannot wait for itself).
        """
        self._stop.set()
        return self.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the source is exhausted or the pipeline stopped."""
        if not self._started:
            return True
        if threading.current_thread() in self._threads:
            return self._done.is_set()
        return self._done.wait(timeout)

    def run(self) -> None:
        """Start and block until the source is exhausted (or `stop` from another thread)."""
        self.start()
        self.join()

    @property
    def running(self) -> bool:
        return self._started and not self._done.is_set()

    @property
    def stop_event(self) -> threading.Event:
        return self._stop

    def snapshot(self) -> StatsSnapshot:
        upstream = getattr(self.source, "dropped", 0)
        self.stats.dropped_upstream = upstream if isinstance(upstream, int) else 0
        self.stats.set_dropped(self._slot.dropped)
        return self.stats.snapshot()

    def __enter__(self) -> ScanPipeline:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- callbacks -------------------------------------------------------------------------

    def _report_state(self, state: SourceState, detail: str) -> None:
        self.state = state
        if self._on_state is not None:
            try:
                self._on_state(state, detail)
            except Exception as exc:
                self._report_error(exc)

    def _report_error(self, exc: BaseException) -> None:
        self.stats.error()
        if self._on_error is not None:
            # An error handler that fails has nowhere left to report.
            with contextlib.suppress(Exception):
                self._on_error(exc)

    # -- threads ---------------------------------------------------------------------------

    def _capture_loop(self) -> None:
        frames: Generator[Frame, None, None] | None = None
        try:
            frames = self.source.frames(self._stop, self._report_state)
            for frame in frames:
                self.stats.captured()
                if not self._slot.put(frame, self._stop):
                    break
        except SourceError as exc:
            self.error = exc
            if self.state not in _FINAL_STATES:
                self._report_state(SourceState.FAILED, str(exc))
            self._report_error(exc)
        except Exception as exc:
            self.error = exc
            self._report_state(SourceState.FAILED, f"{type(exc).__name__}: {exc}")
            self._report_error(exc)
        finally:
            try:
                if frames is not None:
                    frames.close()  # releases the device on every exit path
            finally:
                self._slot.close()
                if self.state not in _FINAL_STATES:
                    self._report_state(SourceState.STOPPED, "stop requested")

    def _decode_loop(self) -> None:
        scanner = self._scanner
        assert scanner is not None
        try:
            while True:
                frame = self._slot.take(timeout=0.1)
                if frame is None:
                    if self._slot.closed or self._stop.is_set():
                        break
                    continue
                self._process(scanner, frame)
        finally:
            self._stop.set()  # the capture thread must not wait on a slot nobody empties
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join(timeout=max(2.0, self.settings.camera_read_timeout_s + 1.0))
            self.stats.set_dropped(self._slot.dropped)
            self._done.set()

    def _process(self, scanner: FrameScanner, frame: Frame) -> None:
        age_ms = (time.monotonic() - frame.captured_at) * 1000.0
        try:
            outcome = scanner.scan_image(frame.image)
        except Exception as exc:
            self.stats.decoded(0.0, age_ms, False)
            self._report_error(exc)
            return
        self.stats.decoded(outcome.elapsed_ms, age_ms, bool(outcome.payloads))
        for payload in outcome.payloads:
            if not self.debouncer.admit(payload, frame.media_time):
                self.stats.held_back()
                continue
            try:
                result = self.sink.submit(payload, self.method, captured_at=frame.captured_at)
            except Exception as exc:
                self._report_error(exc)
                continue
            self.stats.submitted((time.monotonic() - frame.captured_at) * 1000.0)
            if self._on_result is not None:
                try:
                    self._on_result(result)
                except Exception as exc:
                    self._report_error(exc)
