"""Retention of personal data (config `[retention] personal_data_days`).

What is personal here: the name and contact written on a paper activity-record form
(`PaperRecord.name`, `.contact`), the free-text detail of rejected scans
(`Attempt.detail`, which may echo what a pass contained) and the pass a check-in was made
with (`Checkin.pass_token`, blanked as soon as the server confirms the check-in, and past
retention for those it refused). Registrant ids are pseudonymous and
are the participation record itself: they stay, so counts, exports and close-out digests are
unchanged by a purge.

A record is purged when it is older than the retention period, its activity is closed
(the coordinator finished the day) and, for paper records and pass tokens, its check-in was
answered by the national API (sync_status != "pending"). `kiosk purge --now` ignores the
period but never the other two conditions. Every purge leaves a `purge` audit entry per activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.store import Store


@dataclass(frozen=True, slots=True)
class PurgeReport:
    cutoff: datetime  # records before this instant were eligible
    paper_records: int
    attempt_details: int
    pass_tokens: int = 0

    @property
    def total(self) -> int:
        return self.paper_records + self.attempt_details + self.pass_tokens


def cutoff(now: datetime, days: int, *, ignore_period: bool = False) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now if ignore_period else now - timedelta(days=days)


def purge_personal_data(
    store: Store,
    *,
    days: int,
    now: datetime,
    ignore_period: bool = False,
    operator: str = "retention",
) -> PurgeReport:
    """Purge what is due; safe to run any time and repeatedly (idempotent)."""
    before = cutoff(now, days, ignore_period=ignore_period)
    if ignore_period:
        before += timedelta(microseconds=1)  # "now" includes records stamped this instant
    purged = store.personal_data.purge(before, at=now, operator=operator)
    return PurgeReport(before, purged.paper_records, purged.attempt_details, purged.pass_tokens)
