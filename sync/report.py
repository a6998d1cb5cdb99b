"""What one sync pass did (`SyncReport`), and what a flush — "upload everything now and wait",
the close-out's request — achieved (`outcome_of`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from kiosk.models import UploadOutcome
from kiosk.store import Store
from kiosk.text import sanitize
from sync.api_errors import ApiError
from sync.pulls import PullSummary
from sync.upload_summary import UploadSummary


@dataclass
class SyncReport:
    """The outcome of one sync pass."""

    upload: UploadSummary = field(default_factory=UploadSummary)
    pulls: PullSummary = field(default_factory=PullSummary)
    offset: timedelta | None = None
    needs_enrollment: bool = False
    error: ApiError | None = None  # the first failure of the pass (health, upload or pull)
    pull_error: ApiError | None = None  # the pull failed (the upload may have completed)
    pending: int = 0  # check-ins and corrections still to send (the header's count)
    pending_corrections: int = 0  # of which corrections

    def count_pending(self, store: Store) -> int:
        checkins, corrections = store.outbox.pending_counts()
        self.pending, self.pending_corrections = checkins + corrections, corrections
        return self.pending

    @property
    def ok(self) -> bool:
        return self.error is None and not self.needs_enrollment and not self.upload.stopped

    @property
    def only_pull_failed(self) -> bool:
        """Everything was uploaded; only pulling activities, trust list or revocations failed."""
        return (
            self.error is not None
            and self.error is self.pull_error
            and not self.needs_enrollment
            and self.pending == 0
        )


@dataclass
class FlushRequest:
    """A caller waiting in `SyncWorker.flush` for the worker thread's next upload pass."""

    done: threading.Event = field(default_factory=threading.Event)
    report: SyncReport | None = None


def outcome_of(report: SyncReport) -> UploadOutcome:
    """What a flush achieved, from the report of the pass that served it."""
    if report.needs_enrollment:
        error = "the national API refused this device's token (401)"
    elif report.error is not None and report.error is not report.pull_error:
        error = sanitize(str(report.error))
    elif report.upload.stopped and report.pending:
        error = "upload interrupted"
    else:
        error = ""
    return UploadOutcome(report.upload.done, report.pending, error)
