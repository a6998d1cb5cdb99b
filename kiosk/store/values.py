"""What the store's methods take and return, besides table rows (`kiosk.store.tables`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.models import Method, Outcome, Reason
from kiosk.store.tables import Checkin


@dataclass(frozen=True, slots=True)
class Attestation:
    """A coordinator vouching for a record not read from a pass: who, and why. The national
    system counts a manual or paper record toward premium only with one."""

    operator: str
    reason: str


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
    attestation: Attestation | None = None  # a coordinator vouches (manual / paper records)


@dataclass(frozen=True, slots=True)
class Stored:
    """The decision the store took and recorded in one transaction."""

    outcome: Outcome
    reason: Reason | None
    checkin_id: str | None
    attempt_id: str
    first_at: datetime | None = None
    first_device: str | None = None  # for a duplicate: the gate that recorded it first, when
    # the national server said it was another (sanitised name)


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
    # What the national system made of the live check-ins (see `kiosk.store.records.counts`)
    server_rejected: int = 0  # refused by the server (not a participation there)
    server_rejected_by_reason: dict[str, int] = field(default_factory=dict)
    counted: int = 0  # confirmed and counting toward premium
    not_counted: int = 0  # confirmed but not counting (a manual/paper record nobody vouched for)
    unattested: int = 0  # manual/paper records without a coordinator's attestation


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A check-in claimed for upload, with its place in the outbox."""

    outbox_id: int
    checkin: Checkin


@dataclass(frozen=True, slots=True)
class ServerAnswer:
    """What the national API said about one uploaded check-in beyond its status and reason
    (`POST /v1/checkins:batch` result): whether the participation counts toward premium, and
    for a duplicate the first check-in — its id, the device that recorded it (id and name)
    and when it was scanned (ISO 8601). Text is sanitised by the client."""

    counts: bool | None = None  # None: the server did not say (an older server)
    first_checkin_id: str | None = None
    first_device_id: str | None = None
    first_device_name: str | None = None
    first_scanned_at: str | None = None
