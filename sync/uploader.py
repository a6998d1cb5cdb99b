"""Outbox uploader: pending check-ins go to `POST /v1/checkins:batch` in batches, and
corrections (void / restore) to `POST /v1/checkins:corrections`.

Exactly-once, end to end:

* The device makes the check-in id (a UUID); the server treats a repeated id as the same
  check-in, so re-sending is always safe.
* Each batch carries an ``Idempotency-Key`` derived from its content (`sync.batches`):
  SHA-256 over the sorted check-in ids and the canonical JSON body. A retry of the same batch
  — in the same process or after a crash and restart, when the same pending rows are read
  again — sends the same key, and the server replays its stored response instead of deciding
  again.
* The per-item results are applied to the local store in one transaction; a crash before that
  commit simply re-sends the batch later.
* Transient failures (no response, 5xx, 429/503) are retried with full-jitter exponential
  backoff, never sooner than ``Retry-After``. ``401`` stops uploads (the device must re-enroll).
* A 422 for a whole batch (one malformed item poisons the batch) is bisected so the good items
  go through and only the bad one is marked ``rejected`` locally.

Corrections travel the same way (content-derived key, backoff, 401, bisection), in the order
they were made, each after its check-in's own upload, and check-ins made after a correction
after it (`kiosk.store.corrections`): a void reaches the server before a re-scan of the same
person, so the re-scan is `accepted` there, not `duplicate`. Corrections of check-ins the server
refused are settled on the device without a request.

The uploader holds at most one batch in memory, whatever the backlog.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from kiosk.store import Store
from kiosk.store.tables import CorrectionStatus, SyncStatus
from sync.api_errors import ApiError, RequestRejected, ServerError, Unauthorized
from sync.backoff import Backoff, Waiter
from sync.batches import Batch, correction_item, item_of
from sync.client import ApiClient, CorrectionResult, ItemResult
from sync.upload_summary import CorrectionSummary, UploadSummary

__all__ = [
    "CorrectionSummary",
    "NeedsEnrollment",
    "UploadStalled",
    "UploadSummary",
    "Uploader",
]

log = logging.getLogger("sync.uploader")
INVALID_REASON = "invalid_request"
_BISECT_STATUSES = (413, 422)


class NeedsEnrollment(Exception):
    """The server answered 401: uploads stop until the device is enrolled again."""


class UploadStalled(Exception):
    """A batch kept failing `max_failures` times in a row (the server is unreachable)."""

    def __init__(self, message: str, last_error: ApiError) -> None:
        super().__init__(message)
        self.last_error = last_error


class Answer(Protocol):
    """One per-item result of a batch (`ItemResult` or `CorrectionResult`)."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def reason(self) -> str | None: ...


Send = Callable[[UploadSummary, Waiter, int | None, Callable[[], bool]], bool]
"""send(summary, wait, max_failures, should_stop) -> answered (False: told to stop first)."""
Progress = Callable[[int, int, int], None]
"""on_progress(done, backlog_at_start, in_flight) after each step of a drain."""


def sleep_wait(seconds: float) -> bool:
    """The default waiter: sleep, never interrupted."""
    time.sleep(seconds)
    return False


A = TypeVar("A", bound=Answer)
A_contra = TypeVar("A_contra", bound=Answer, contravariant=True)


class KeepAnswers(Protocol[A_contra]):
    """Where the store keeps a lane's answers (`store.outbox` / `store.corrections`
    `.apply_results`): (item id, status, reason) rows, and the answers themselves by the
    item's local id (for what a lane keeps beyond the status); returns how many were settled."""

    def __call__(
        self,
        results: Sequence[tuple[str, str, str | None]],
        answers: Sequence[tuple[str, A_contra]],
        *,
        at: datetime,
    ) -> int: ...


class Tally(Protocol):
    """A lane's part of an `UploadSummary` (the summary itself, or its `corrections`)."""

    batches: int
    invalid: int

    def count(self, results: Sequence[Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class Lane(Generic[A]):
    """One kind of batch: where it is posted, where its answers are kept, how they count."""

    name: str
    post: Callable[[Sequence[Mapping[str, Any]], str], Sequence[A]]
    keep: KeepAnswers[A]
    note_failure: Callable[[Sequence[str], str], None]
    tally: Callable[[UploadSummary], Tally]
    rejected: str  # the answer that refuses an item (its reason is kept)


class Uploader:
    """Drains the outbox of one store through one client."""

    def __init__(
        self,
        store: Store,
        client: ApiClient,
        *,
        batch_size: int = 200,
        backoff: Backoff | None = None,
        now: Callable[[], datetime] | None = None,
        session_id: str | None = None,
        clock_offset: Callable[[], timedelta | None] | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.store = store
        self.client = client
        self.batch_size = batch_size
        self.backoff = backoff or Backoff()
        self._now = now or (lambda: datetime.now(UTC))
        self.session_id = session_id
        self._clock_offset = clock_offset or (lambda: None)
        self._filled = False
        self.checkins: Lane[ItemResult] = Lane(
            "check-ins",
            client.upload_batch,
            self._keep_checkins,
            store.outbox.note_failure,
            lambda summary: summary,
            SyncStatus.REJECTED,
        )
        self.corrections: Lane[CorrectionResult] = Lane(
            "corrections",
            client.upload_corrections,
            self._keep_corrections,
            store.corrections.note_failure,
            lambda summary: summary.corrections,
            CorrectionStatus.REJECTED,
        )

    def _keep_checkins(
        self,
        results: Sequence[tuple[str, str, str | None]],
        answers: Sequence[tuple[str, ItemResult]],
        *,
        at: datetime,
    ) -> int:
        """Statuses, and what the server said beyond them (counts, a duplicate's first
        check-in), in one transaction."""
        details = {checkin_id: answer.answer for checkin_id, answer in answers}
        return self.store.outbox.apply_results(results, at=at, answers=details)

    def _keep_corrections(
        self,
        results: Sequence[tuple[str, str, str | None]],
        answers: Sequence[tuple[str, CorrectionResult]],
        *,
        at: datetime,
    ) -> int:
        del answers  # a correction's answer is its status and reason
        return self.store.corrections.apply_results(results, at=at)

    def _fill_corrected_times(self) -> None:
        """Check-ins of this session made before the offset was known get corrected times.

        Once the clock has an offset, new check-ins carry their corrected time from the gate,
        so one successful fill per session is enough.
        """
        offset = self._clock_offset()
        if self.session_id is None or offset is None or self._filled:
            return
        filled = self.store.outbox.fill_corrected_times(self.session_id, offset)
        self._filled = True
        if filled:
            log.info("added corrected times to %d check-ins", filled)

    def drain(
        self,
        *,
        wait: Waiter = sleep_wait,
        max_failures: int | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        on_progress: Progress | None = None,
        summary: UploadSummary | None = None,
    ) -> UploadSummary:
        """Upload until the outbox is empty.

        Raises `NeedsEnrollment` on 401 and `UploadStalled` after `max_failures` consecutive
        failures of one batch (None: retry until `wait` or `should_stop` says stop). Pass a
        `summary` to keep what was uploaded before such a failure: it is filled as batches are
        answered, whatever happens later.
        """
        summary = summary if summary is not None else UploadSummary()
        summary.backlog_at_start = self.store.outbox.pending_count()
        requests_before = self.client.requests
        try:
            while not should_stop():
                self._fill_corrected_times()
                step = self._next(summary)
                if step is None:
                    break
                size, send = step
                if on_progress is not None:
                    on_progress(summary.done, summary.backlog_at_start, size)
                if not send(summary, wait, max_failures, should_stop):
                    summary.stopped = True
                    break
                if on_progress is not None:
                    on_progress(summary.done, summary.backlog_at_start, 0)
            else:
                summary.stopped = True
        finally:
            summary.requests = self.client.requests - requests_before
        return summary

    def _next(self, summary: UploadSummary) -> tuple[int, Send] | None:
        """The next batch in causal order — check-ins up to the oldest pending correction, else
        the corrections that may go now — as (size, its sender); None when all is sent."""
        pending = self.store.outbox.claim_batch(self.batch_size, at=self._now())
        if pending:
            batch = Batch.of([item_of(p) for p in pending])
            return len(batch), functools.partial(self._send, self.checkins, batch)
        summary.corrections.skipped += self.store.corrections.settle(at=self._now())
        corrections = self.store.corrections.next_batch(self.batch_size)
        if corrections:
            batch = Batch.of([correction_item(c) for c in corrections])
            return len(batch), functools.partial(self._send, self.corrections, batch)
        return None

    def _send(
        self,
        lane: Lane[A],
        batch: Batch,
        summary: UploadSummary,
        wait: Waiter,
        max_failures: int | None,
        should_stop: Callable[[], bool],
    ) -> bool:
        """Send one batch until it is answered; False when told to stop first."""
        self.backoff.reset()
        failures = 0
        while True:
            try:
                results = lane.post(batch.items, batch.key)
            except Unauthorized as exc:
                lane.note_failure(batch.ids, str(exc))
                raise NeedsEnrollment(str(exc)) from None
            except RequestRejected as exc:
                if exc.status in _BISECT_STATUSES:
                    return self._bisect(lane, batch, exc, summary, wait, max_failures, should_stop)
                error: ApiError = exc
            except ApiError as exc:
                error = exc
            else:
                if self._apply(lane, batch, results, summary):
                    return True
                error = ServerError("the batch response answered none of its items")
            failures += 1
            summary.failures += 1
            lane.note_failure(batch.ids, str(error))
            if max_failures is not None and failures >= max_failures:
                raise UploadStalled(f"{failures} attempts failed: {error}", error)
            delay = self.backoff.next_delay(error.retry_after)
            log.info(
                "batch of %d %s failed (%s); retry in %.2f s", len(batch), lane.name, error, delay
            )
            if wait(delay) or should_stop():
                return False

    def _bisect(
        self,
        lane: Lane[A],
        batch: Batch,
        error: RequestRejected,
        summary: UploadSummary,
        wait: Waiter,
        max_failures: int | None,
        should_stop: Callable[[], bool],
    ) -> bool:
        if len(batch) == 1:
            log.warning(
                "one of the %s (%s) refused as malformed: %s", lane.name, batch.ids[0], error
            )
            lane.keep([(batch.ids[0], lane.rejected, INVALID_REASON)], [], at=self._now())
            lane.tally(summary).invalid += 1
            return True
        middle = len(batch) // 2
        for half in (batch.items[:middle], batch.items[middle:]):
            if not self._send(lane, Batch.of(half), summary, wait, max_failures, should_stop):
                return False
        return True

    def _apply(
        self, lane: Lane[A], batch: Batch, results: Sequence[A], summary: UploadSummary
    ) -> int:
        """Keep the answered items in one transaction; returns how many were answered."""
        local = {i.lower(): i for i in batch.ids}  # the server answers with lower-case UUIDs
        answered = [r for r in results if r.id in local]
        lane.keep(
            [
                (local[r.id], r.status, r.reason if r.status == lane.rejected else None)
                for r in answered
            ],
            [(local[r.id], r) for r in answered],
            at=self._now(),
        )
        tally = lane.tally(summary)
        if answered:
            tally.batches += 1
        tally.count(answered)
        missing = set(local.values()) - {local[r.id] for r in answered}
        if missing:  # a server bug; keep them pending and try again in a later batch
            lane.note_failure(sorted(missing), "no result in the response")
            log.warning("%d %s had no result; they stay pending", len(missing), lane.name)
        return len(answered)
