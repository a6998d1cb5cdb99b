"""What the store's methods take and return, besides table rows (`kiosk.store.tables`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.models import Method, Outcome, Reason
from kiosk.store.tables import Checkin


@dataclass(frozen=True, slots=True)
class NewCheckin:
    """What the check-in service asks the store to record for a verified (or manual)
    registrant."""

    activity_id: str
    registrant: str
    method: Method
    scanned_at: datetime
    clock_trusted: bool
    monotonic_s: float
    session_id: str
    scanned_at_corrected: datetime | None = None
    tier: str | None = None
    jti: str | None = None
    pass_token: str | None = None
    operator: str = "gate"


@dataclass(frozen=True, slots=True)
class Stored:
    """The decision the store took and recorded in one transaction."""

    outcome: Outcome
    reason: Reason | None
    checkin_id: str | None
    attempt_id: str
    first_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    """The day's numbers for one activity, from one consistent read."""

    accepted: int
    unique_people: int
    duplicates: int
    rejected: int
    voided: int
    pending_upload: int
    confirmed: int
    server_duplicates: int
    premium: int
    rejected_by_reason: dict[str, int]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A check-in claimed for upload, with its place in the outbox."""

    outbox_id: int
    checkin: Checkin
