"""Source -> decode -> debounce -> sink, in worker threads, with callbacks for the UI.

Two threads: a capture thread moves frames from the source into a one-frame slot (dropping
the stale frame when decoding falls behind a live source), and a decode thread looks at the
newest frame, decodes it when the scene calls for it (`kiosk.scan.idle`), debounces the
payloads and submits each admitted payload to the sink (the check-in service). Callbacks run
on these worker threads: the UI wraps them into Textual messages with `post_message`, which
is thread-safe; they must not block.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Generator
from typing import Protocol

from kiosk.models import CheckinResult, Method
from kiosk.scan.debounce import Debouncer
from kiosk.scan.frame_decoder import FrameDecoder, build_frame_decoder, to_gray
from kiosk.scan.frames import Frame, FrameDemand, FrameSource, SourceError, SourceState
from kiosk.scan.idle import IdleSchedule, Plan
from kiosk.scan.latest_frame import LatestFrameSlot
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
FinishedCallback = Callable[[], None]

_FINAL_STATES = frozenset({SourceState.STOPPED, SourceState.FAILED})


class ScanPipeline:
    """Runs a frame source through the decoder into a decision sink until stopped or exhausted.

    on_result(result): one call per decision (after debouncing).
    on_state(state, detail): source state changes (camera not found / busy / reconnecting...).
    on_error(exc): a non-fatal problem (a frame that failed to decode, a sink error, a callback
      error) or the fatal one that ended the source; the pipeline keeps running when it can.
    on_finished(): the last call, once both threads have ended (`finished` is then set).
    """

    def __init__(
        self,
        source: FrameSource,
        sink: DecisionSink,
        *,
        settings: ScanSettings | None = None,
        decoder: FrameDecoder | None = None,
        on_result: ResultCallback | None = None,
        on_state: StateCallback | None = None,
        on_error: ErrorCallback | None = None,
        on_finished: FinishedCallback | None = None,
        method: Method = Method.CAMERA,
    ) -> None:
        self.source = source
        self.sink = sink
        self.settings = settings or ScanSettings()
        self._decoder = decoder
        self._on_result = on_result
        self._on_state = on_state
        self._on_error = on_error
        self._on_finished = on_finished
        self.method = method
        self.debouncer = Debouncer(self.settings.rearm_s)
        self.schedule = IdleSchedule(
            settle_s=self.settings.idle_settle_s,
            refresh_s=self.settings.idle_refresh_s,
            idle_every=self.settings.idle_every,
        )
        self.stats = PipelineStats()
        self.error: BaseException | None = None
        self.state = SourceState.STARTING
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._demand = FrameDemand()
        self._beside_seen: frozenset[str] = frozenset()
        self._beside_skipped = False
        self._slot = LatestFrameSlot(drop_stale=source.realtime)
        self._threads: list[threading.Thread] = []
        self._started = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker threads (once); returns at once. The decoder library loads on
        the decode thread, so starting never waits for it."""
        if self._started:
            raise RuntimeError("pipeline already started")
        self._started = True
        capture = threading.Thread(target=self._capture_loop, name="scan-capture", daemon=True)
        decode = threading.Thread(target=self._decode_loop, name="scan-decode", daemon=True)
        self._threads = [capture, decode]
        capture.start()
        decode.start()

    def request_stop(self) -> None:
        """Ask the pipeline to stop and return at once; `on_state(STOPPED)`, `on_finished`
        and the `finished` event tell when it has (the camera is then released)."""
        self._stop.set()
        self._slot.close()

    def stop(self, timeout: float | None = 5.0) -> bool:
        """Ask the pipeline to stop and wait for it; True when it has fully stopped.

        Safe to call from a callback (it then only asks, since a worker cannot wait for itself).
        """
        self.request_stop()
        return self.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the source is exhausted or the pipeline stopped."""
        if not self._started:
            return True
        if threading.current_thread() in self._threads:
            return self._finished.is_set()
        return self._finished.wait(timeout)

    def run(self) -> None:
        """Start and block until the source is exhausted (or `stop` from another thread)."""
        self.start()
        self.join()

    @property
    def running(self) -> bool:
        return self._started and not self._finished.is_set()

    @property
    def finished(self) -> threading.Event:
        """Set once both threads have ended (source exhausted, failed or stopped)."""
        return self._finished

    def snapshot(self) -> StatsSnapshot:
        upstream = getattr(self.source, "dropped", 0)
        self.stats.dropped_upstream = upstream if isinstance(upstream, int) else 0
        self.stats.set_dropped(self._slot.dropped)
        self.stats.set_skipped_at_source(self._demand.skipped)
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
            frames = self.source.frames(self._stop, self._report_state, self._demand)
            for frame in frames:
                self.stats.captured()
                if not self._slot.put(frame):
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
        try:
            decoder = self._decoder or build_frame_decoder(self.settings, live=self.source.realtime)
            while (frame := self._slot.take()) is not None and not self._stop.is_set():
                self._process(decoder, frame)  # (a frame left in the slot at a stop is dropped)
        except Exception as exc:  # the decoder library cannot load: nothing can be decoded
            self.error = exc
            self._report_state(SourceState.FAILED, f"decoder: {type(exc).__name__}: {exc}")
            self._report_error(exc)
        finally:
            self.request_stop()  # the capture thread must not wait on a slot nobody empties
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join(timeout=max(2.0, self.settings.camera_read_timeout_s + 1.0))
            self.stats.set_dropped(self._slot.dropped)
            self.stats.set_skipped_at_source(self._demand.skipped)
            self._finished.set()
            if self._on_finished is not None:
                try:
                    self._on_finished()
                except Exception as exc:
                    self._report_error(exc)

    def _process(self, decoder: FrameDecoder, frame: Frame) -> None:
        age_ms = (time.monotonic() - frame.captured_at) * 1000.0
        now = frame.media_time
        try:
            gray = to_gray(frame.image)
            plan = self.schedule.plan(gray, now)
            outcome = None
            if plan is not Plan.SKIP:
                outcome = decoder.decode(gray, recover=plan is Plan.DECODE, beside=False)
        except Exception as exc:
            self.stats.decoded(0.0, age_ms, False)
            self._report_error(exc)
            return
        if outcome is None:
            self.stats.still()
            self._demand.every = self.schedule.every_at(now)
            return
        self._decide(outcome.payloads, frame)  # the codes found first are decided first
        elapsed_ms = outcome.elapsed_ms
        if outcome.step == "downscaled" and self._beside_due(outcome.payloads):
            try:
                beside = decoder.decode_beside(gray, outcome.payloads)
            except Exception as exc:
                self._report_error(exc)
            else:
                elapsed_ms += beside.elapsed_ms
                self._decide(beside.payloads, frame)
        self.schedule.decoded(now, found=bool(outcome.payloads))
        self._demand.every = self.schedule.every_at(now)
        self.stats.decoded(elapsed_ms, age_ms, bool(outcome.payloads))

    def _beside_due(self, payloads: list[str]) -> bool:
        """Look beside the codes the downscaled pass found (for a small code next to them) on
        the first frame that shows them and then every other frame while they stay: a small
        code that joins them is decided within two frames, at half the cost of every frame."""
        found = frozenset(payloads)
        due = found != self._beside_seen or self._beside_skipped
        self._beside_seen = found
        self._beside_skipped = not due
        return due

    def _decide(self, payloads: list[str], frame: Frame) -> None:
        for payload in payloads:
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
