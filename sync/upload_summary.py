"""What one drain of the outbox did (`sync.uploader.Uploader.drain`): answers by status and
reason, for check-ins and for corrections. `kiosk sync --once` prints it; the sync worker keeps
it in its report even when a later batch failed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kiosk.store.tables import CorrectionStatus, SyncStatus
from sync.answers import CorrectionResult, ItemResult


def _tally(reasons: dict[str, int], reason: str | None) -> None:
    key = reason or "unknown"
    reasons[key] = reasons.get(key, 0) + 1


@dataclass
class CorrectionSummary:
    """What one `drain` did with corrections."""

    sent: int = 0  # corrections the server answered for
    applied: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0  # settled on the device: the server never counted the check-in
    invalid: int = 0  # settled as rejected after the server refused the item as malformed
    batches: int = 0
    rejected_reasons: dict[str, int] = field(default_factory=dict)

    def count(self, results: Sequence[CorrectionResult]) -> None:
        self.sent += len(results)
        for r in results:
            if r.status is CorrectionStatus.APPLIED:
                self.applied += 1
            elif r.status is CorrectionStatus.UNCHANGED:
                self.unchanged += 1
            else:
                self.rejected += 1
                _tally(self.rejected_reasons, r.reason)


@dataclass
class UploadSummary:
    """What one `drain` did."""

    uploaded: int = 0  # items the server answered for
    accepted: int = 0
    not_counted: int = 0  # of the accepted: recorded but not counting (unattested manual)
    duplicate: int = 0
    rejected: int = 0
    invalid: int = 0  # rejected locally after the server refused the item as malformed
    batches: int = 0
    requests: int = 0
    failures: int = 0  # failed attempts (retried)
    backlog_at_start: int = 0
    stopped: bool = False
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    corrections: CorrectionSummary = field(default_factory=CorrectionSummary)

    @property
    def done(self) -> int:
        """Check-ins and corrections answered or settled so far (progress)."""
        c = self.corrections
        return self.uploaded + self.invalid + c.sent + c.skipped + c.invalid

    def count(self, results: Sequence[ItemResult]) -> None:
        self.uploaded += len(results)
        for r in results:
            if r.status is SyncStatus.ACCEPTED:
                self.accepted += 1
                if r.counts is False:
                    self.not_counted += 1
            elif r.status is SyncStatus.DUPLICATE:
                self.duplicate += 1
            else:
                self.rejected += 1
                _tally(self.rejected_reasons, r.reason)
