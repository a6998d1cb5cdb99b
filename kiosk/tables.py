"""SQLModel tables of the kiosk database. The DDL lives in `kiosk.migrations`; a test keeps
the two in step. Timestamps are ISO 8601 strings with their UTC offset, never naive."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class KioskTable(SQLModel, registry=registry()):
    """Base of the kiosk's tables: their own metadata, apart from the reference server's."""


class Activity(KioskTable, table=True):
    id: str = Field(primary_key=True)
    name: str
    date: str  # ISO date of the activity
    venue: str = ""
    organiser: str = ""
    municipality: str = ""
    designated: bool = True
    closed_at: str | None = None
    closeout_digest: str | None = None
    closeout_receipt: str | None = None  # server receipt JSON
    updated_at: str = ""


class Checkin(KioskTable, table=True):
    """One participation: a registrant accepted at an activity. Never deleted; voided instead."""

    id: str = Field(primary_key=True)  # UUID made on the device
    activity_id: str = Field(foreign_key="activity.id")
    registrant: str  # FR + 10 characters; pseudonymous id from the pass or manual entry
    tier: str | None = None
    method: str
    jti: str | None = None
    pass_token: str | None = None  # the verified pass, uploaded so the server can re-verify
    scanned_at: str  # raw wall clock
    scanned_at_corrected: str | None = None  # raw + server offset when the clock was untrusted
    clock_trusted: bool
    monotonic_s: float  # seconds since this kiosk session started
    session_id: str
    operator: str = "gate"
    voided: bool = False
    sync_status: str = "pending"  # pending | accepted | duplicate | rejected
    sync_reason: str | None = None
    synced_at: str | None = None


class Attempt(KioskTable, table=True):
    """Every decision at the gate, including duplicates and rejections (which count nowhere)."""

    id: str = Field(primary_key=True)
    activity_id: str
    outcome: str
    reason: str | None = None
    registrant: str | None = None  # masked
    checkin_id: str | None = None  # the stored or the first check-in
    method: str
    at: str
    latency_ms: float = 0.0
    detail: str = ""  # sanitised; purged with personal data after retention


class Audit(KioskTable, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: str
    operator: str
    action: str  # checkin | manual_add | void | restore | close | purge | ...
    activity_id: str | None = None
    checkin_id: str | None = None
    reason: str = ""


class Outbox(KioskTable, table=True):
    """Check-ins waiting for upload, in order. `done_at` is set when the server answered."""

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: str = Field(unique=True)
    created_at: str
    attempts: int = 0
    last_error: str | None = None
    done_at: str | None = None


class PaperRecord(KioskTable, table=True):
    """Personal data from a paper activity-record form, purged after retention."""

    checkin_id: str = Field(primary_key=True)
    name: str
    contact: str
    municipality: str
    purged_at: str | None = None


class SyncCursor(KioskTable, table=True):
    """A pull position kept by the sync worker (activities `since`, JWKS ETag, revocations)."""

    name: str = Field(primary_key=True)
    value: str
    updated_at: str


class RevokedEntry(KioskTable, table=True):
    """A revoked pass id (`kind` "jti") or registrant (`kind` "sub") pulled from the API."""

    kind: str = Field(primary_key=True)
    value: str = Field(primary_key=True)
    added_at: str
