"""The background sync worker (implements `kiosk.ports.SyncController`).

One daemon thread loops: upload the outbox until it is empty, pull activities, the signed trust
statement (or unsigned revocations without an anchor pin) and activity code keys, then wait for
the sync interval or a `trigger()`. After a failed pass it waits a full-jitter backoff delay
instead (never less than the server's ``Retry-After``). Scanning
never waits for it: the thread only talks to the store, whose writes are serialised.

The UI receives `SyncState` through the ``on_state`` callback, called on the worker thread.
`flush()` (the close-out's "upload everything now, and wait") has the thread do a pass at once,
cutting a backoff wait short. Every device call declares what is left to upload
(``Pending-Uploads``); once scans pause, the thread tells the server what the last batch left.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from config.schema import ApiSection
from kiosk.activity_code_keys import ActivityCodes
from kiosk.clock import Clock, server_now
from kiosk.models import SyncState, UploadOutcome
from kiosk.passes import PassVerifier
from kiosk.ports import SyncController, UploadFlusher
from kiosk.store import Store
from kiosk.text import sanitize
from kiosk.trust_keeper import TrustKeeper
from sync.api_errors import ApiError, Unauthorized
from sync.backoff import Backoff, OnlineTracker, Waiter
from sync.client import ApiClient
from sync.pulls import Puller
from sync.report import FlushRequest, SyncReport, outcome_of
from sync.uploader import NeedsEnrollment, Uploader, UploadStalled

__all__ = ["SyncReport", "SyncWorker"]

log = logging.getLogger("sync.worker")
STOP_GRACE_S = 5.0
HEALTH_EVERY_S = 60.0
REPROBE_AFTER_S = 300.0  # retry a token the server refused (a server-side glitch heals)
FLUSH_MAX_FAILURES = 4  # a flush gives up on a batch after this many failed attempts
DECLARE_WHEN_QUIET_S = 3.0  # the thread tells the server what is left once scans pause this long


@runtime_checkable
class AdjustableClock(Protocol):
    def set_server_offset(self, offset: timedelta) -> None: ...


class SyncWorker:
    """Background upload and pulls for one kiosk; satisfies `kiosk.ports.SyncController`.

    Built by the composition root (`cli.compose.build_sync_worker`) on the kiosk's own
    store, pass verifier and clock."""

    def __init__(
        self,
        *,
        store: Store,
        verifier: PassVerifier,
        clock: Clock,
        api: ApiSection,
        token: Callable[[], str | None],
        trust: TrustKeeper | None = None,
        codes: ActivityCodes | None = None,
        session_id: str | None = None,
        rng: random.Random | None = None,
        now: Callable[[], datetime] | None = None,
        wait: Waiter | None = None,
    ) -> None:
        """`wait(seconds) -> stopped` replaces the real backoff waits (tests make them fast)."""
        self.store = store
        self.clock = clock
        self.api = api
        self.interval = api.sync_interval_seconds
        self._token = token
        self._now = now or (lambda: datetime.now(UTC))
        self._rng = rng or random.Random()
        self.tracker = OnlineTracker(on_change=lambda _online: self._post())
        self.client = ApiClient(
            str(api.url),
            timeout=api.timeout_seconds,
            now=clock.now,  # the offset is server time minus this clock's raw time
            on_call=self.tracker.record,
            pending=store.outbox.pending_count,  # sent as Pending-Uploads on device calls
        )
        self.uploader = Uploader(
            store,
            self.client,
            batch_size=api.batch_size,
            backoff=Backoff(base=0.5, cap=api.retry_max_seconds, rng=self._rng),
            now=self._now,
            session_id=session_id,
            clock_offset=lambda: clock.offset,
        )
        self.puller = Puller(
            store,
            self.client,
            verifier,
            trust=trust,
            codes=codes,
            now=self._now,
            server_now=lambda: server_now(clock),
        )
        self._retry = Backoff(base=1.0, cap=max(api.retry_max_seconds, 1.0), rng=self._rng)
        self.pull_interval = api.pull_interval_seconds
        self._last_pull: float | None = None  # monotonic time of the last successful pull
        self._last_ok: float | None = None  # monotonic time of the last successful pass
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._interrupt = threading.Event()  # set by stop() and flush(): cut waits short
        self._flushes: list[FlushRequest] = []
        self._in_flush = False
        self._direct = threading.Lock()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._on_state: Callable[[SyncState], None] | None = None
        self._wait = wait
        self._rejected_token: str | None = None
        self._rejected_at = 0.0
        self.reprobe_after_s = max(REPROBE_AFTER_S, self.interval)
        self._closed = False
        self._state = SyncState(configured=True, online=True, pending=store.outbox.pending_count())

    # -- SyncController ---------------------------------------------------------------------

    @property
    def state(self) -> SyncState:
        with self._lock:
            return self._state

    def start(self, on_state: Callable[[SyncState], None]) -> None:
        if self._thread is not None or self._closed:
            raise RuntimeError("sync worker already started or stopped")
        self._on_state = on_state
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kiosk-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the worker; waits at most one request timeout plus a grace period."""
        self._stop.set()
        self._interrupt.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(self.api.timeout_seconds + STOP_GRACE_S)
            if thread.is_alive():
                log.warning("sync worker did not stop in time; leaving it (daemon thread)")
            self._thread = None
        self._closed = True
        with self._lock:
            waiting, self._flushes = self._flushes, []
        for request in waiting:
            request.done.set()  # stopped: their report stays None
        self.client.close()

    def trigger(self) -> None:
        self._wake.set()

    # -- UploadFlusher ----------------------------------------------------------------------

    def flush(self, timeout: float) -> UploadOutcome:
        """Upload every pending check-in and correction now and wait for it (at most
        `timeout` seconds): a pass without pulls, giving up on a batch after
        `FLUSH_MAX_FAILURES` failed attempts. With the thread running, the thread does it (a
        pass waiting out a backoff is cut short); otherwise the caller's thread does."""
        if self._closed:
            checkins, corrections = self.store.outbox.pending_counts()
            return UploadOutcome(0, checkins + corrections, "sync stopped")
        thread = self._thread
        if thread is None or not thread.is_alive():
            with self._direct:  # one pass at a time on this client
                return outcome_of(self.run_once(max_failures=FLUSH_MAX_FAILURES, pull=False))
        request = FlushRequest()
        with self._lock:
            self._flushes.append(request)
            self._interrupt.set()
        self._wake.set()
        if not request.done.wait(timeout) or request.report is None:
            checkins, corrections = self.store.outbox.pending_counts()
            why = "stopped" if self._stop.is_set() else f"not done after {timeout:g} s"
            return UploadOutcome(0, checkins + corrections, f"upload {why}")
        return outcome_of(request.report)

    def _interrupted(self) -> bool:
        """Stop, or a flush is waiting and this pass is not serving one (it ends early)."""
        if self._stop.is_set():
            return True
        with self._lock:
            return bool(self._flushes) and not self._in_flush

    def _take_flushes(self) -> list[FlushRequest]:
        with self._lock:
            taken, self._flushes = self._flushes, []
            self._in_flush = bool(taken)
            if not self._stop.is_set():
                self._interrupt.clear()
        return taken

    # -- one pass ---------------------------------------------------------------------------

    def _update(self, **changes: object) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)  # type: ignore[arg-type]
        self._post()

    def _post(self) -> None:
        with self._lock:
            self._state = replace(self._state, online=self.tracker.online)
            state = self._state
        callback = self._on_state
        if callback is not None:
            try:
                callback(state)
            except Exception:  # a UI callback must never kill the worker
                log.exception("sync state callback failed")

    def _stop_aware_wait(self, seconds: float) -> bool:
        """Wait `seconds`; True (stop waiting and end the pass) on stop or a flush request."""
        if self._wait is not None:
            return self._wait(seconds) or self._interrupted()
        self._interrupt.wait(seconds)
        return self._interrupted()

    def _apply_offset(self) -> timedelta | None:
        sample = self.client.server_time
        if sample is None:
            return None
        if isinstance(self.clock, AdjustableClock):
            self.clock.set_server_offset(sample.offset)
        return sample.offset

    def _health(self, max_failures: int | None, wait: Waiter) -> None:
        """Liveness and a precise clock sample; retried up to `max_failures` times."""
        backoff = Backoff(base=0.5, cap=5.0, rng=self._rng)
        failures = 0
        while True:
            try:
                self.client.health()
                return
            except ApiError as exc:
                failures += 1
                if max_failures is None or failures >= max_failures or not exc.retryable:
                    raise
                if wait(backoff.next_delay(exc.retry_after)):
                    raise

    def run_once(
        self,
        *,
        max_failures: int | None = None,
        wait: Waiter | None = None,
        pull: bool | None = None,
        declare: bool = True,
    ) -> SyncReport:
        """One pass: upload everything, then pull (`pull` None: when the pull interval is due).

        With `declare`, a pass whose last request told the server more was pending than is
        left ends with one cheap pull whose request declares the rest (see `_declare`).
        For callers that do not `start()` the thread (``kiosk sync --once``, tests).
        Never raises for API failures; they are in the report.
        """
        if pull is None:
            pull = self._last_pull is None or (
                time.monotonic() - self._last_pull >= self.pull_interval
            )
        report = SyncReport()
        try:
            token = self._token()
        except Exception as exc:  # e.g. SecretStoreError: a credentials file with bad modes
            report.error = ApiError(f"cannot read the device token: {exc}", status=None)
            self._update(
                message=sanitize(str(report.error)), pending=report.count_pending(self.store)
            )
            return report
        self.client.token = token
        refused = token == self._rejected_token and (
            time.monotonic() - self._rejected_at < self.reprobe_after_s
        )
        if not token or refused:
            report.needs_enrollment = True
            self._update(needs_enrollment=True, pending=self.store.outbox.pending_count())
            try:
                if pull:  # nothing to pull without a token; the clock sample still helps
                    self.client.health()
                    self._last_pull = time.monotonic()
            except ApiError as exc:
                report.error = exc
            report.offset = self._apply_offset()
            report.count_pending(self.store)
            return report
        pending = self.store.outbox.pending_count()
        self._update(needs_enrollment=False, pending=pending)

        def progress(done: int, backlog: int, in_flight: int) -> None:
            self._update(
                uploading=in_flight, backlog_at_start=backlog, pending=max(0, backlog - done)
            )

        try:
            # Liveness and a precise clock sample; skipped when there is something to upload
            # and a pass succeeded a moment ago (a trigger after every scan must not double
            # the requests: the upload itself proves the server is there).
            recent = self._last_ok is not None and time.monotonic() - self._last_ok < HEALTH_EVERY_S
            if not (recent and pending):
                self._health(max_failures, wait or self._stop_aware_wait)
            report.offset = self._apply_offset()
            self.uploader.drain(
                wait=wait or self._stop_aware_wait,
                max_failures=max_failures,
                should_stop=self._interrupted,
                on_progress=progress,
                summary=report.upload,  # kept whatever happens to a later batch
            )
            report.offset = self._apply_offset()
            if not report.upload.stopped:
                self._pull(report, full=pull, declare=declare)
        except (NeedsEnrollment, Unauthorized) as exc:
            self._rejected_token, self._rejected_at = token, time.monotonic()
            report.needs_enrollment = True
            report.error = exc if isinstance(exc, ApiError) else Unauthorized(str(exc), status=401)
        except UploadStalled as exc:
            report.error = exc.last_error
        except ApiError as exc:
            report.error = exc
        report.offset = self._apply_offset() or report.offset
        report.count_pending(self.store)
        changes: dict[str, object] = {
            "pending": report.pending,
            "uploading": 0,
            "backlog_at_start": 0,
            "needs_enrollment": report.needs_enrollment,
            "message": sanitize(str(report.error)) if report.error else "",
        }
        if report.ok:
            self._last_ok = time.monotonic()
            changes["last_success"] = self._now()
        self._update(**changes)
        return report

    def _pull(self, report: SyncReport, *, full: bool, declare: bool) -> None:
        """The pulls after an upload. A failure is the pull's own (`report.pull_error`)."""
        try:
            if full:
                report.pulls = self.puller.pull_all()
                self._last_pull = time.monotonic()
            elif declare and self._owes_declaration():
                self._declare(report)
        except Unauthorized:
            raise
        except ApiError as exc:
            report.pull_error = exc
            raise

    def _owes_declaration(self) -> bool:
        """The server last heard of more uploads waiting than there are now: each batch
        declares what it carries as still waiting (it is, until answered)."""
        declared = self.client.declared
        return declared is not None and declared != self.store.outbox.pending_count()

    def _declare(self, report: SyncReport | None = None) -> None:
        """Tell the server what is left (``Pending-Uploads``) with the one cheap authenticated
        call that is useful anyway (`Puller.declare`: the trust statement's ETag check, or the
        revocations pull without an anchor pin), so a gate that has uploaded is not named as
        unsynced when another gate closes the day."""
        self.puller.declare(report.pulls if report is not None else None)

    def _declare_when_quiet(self) -> None:
        """The thread's passes leave the declaration out (a trigger after every scan would
        double the requests); once scans pause for `DECLARE_WHEN_QUIET_S`, it is made."""
        if not self._owes_declaration() or self._wake.wait(DECLARE_WHEN_QUIET_S):
            return  # nothing owed, or woken (a scan, a flush, stop): the next pass goes first
        try:
            self._declare()
        except ApiError as exc:  # the next pass declares again; nothing is lost meanwhile
            log.info("could not declare pending uploads: %s", exc)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            flushes = self._take_flushes()
            try:
                if flushes:
                    report = self.run_once(max_failures=FLUSH_MAX_FAILURES, pull=False)
                else:
                    report = self.run_once(declare=False)
            except Exception:  # a bug or a failing disk must not kill the worker silently
                log.exception("sync pass failed")
                report = SyncReport(error=ApiError("internal error in the sync worker"))
            finally:
                with self._lock:
                    self._in_flush = False
            for request in flushes:
                request.report = report
                request.done.set()
            if self._stop.is_set():
                break
            if report.error is not None and not report.needs_enrollment:
                self._stop_aware_wait(self._retry.next_delay(report.error.retry_after))
            else:
                self._retry.reset()
                self._declare_when_quiet()
                self._wake.wait(self.interval)


if TYPE_CHECKING:  # mypy proves the service satisfies the port the UI is written against

    def _is_a_sync_controller(worker: SyncWorker) -> SyncController:
        return worker

    def _is_an_upload_flusher(worker: SyncWorker) -> UploadFlusher:
        return worker
