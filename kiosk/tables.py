"""Row types of the kiosk database: plain dataclasses, read and written with sqlite3. The DDL
lives in `kiosk.migrations`; a test keeps the two in step (field order = column order).
Timestamps are ISO 8601 strings with their UTC offset, never naive."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar


@dataclass(kw_only=True, slots=True)
class Activity:
    id: str
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


@dataclass(kw_only=True, slots=True)
class Checkin:
    """One participation: a registrant accepted at an activity. Never deleted; voided instead."""

    id: str  # UUID made on the device
    activity_id: str  # references activity.id
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
    sync_status: str = "pending"  # pending | accepted | duplicate | rejected | withdrawn
    sync_reason: str | None = None
    synced_at: str | None = None


@dataclass(kw_only=True, slots=True)
class Attempt:
    """Every decision at the gate, including duplicates and rejections (which count nowhere)."""

    id: str
    activity_id: str
    outcome: str
    reason: str | None = None
    registrant: str | None = None  # masked
    checkin_id: str | None = None  # the stored or the first check-in
    method: str
    at: str
    latency_ms: float = 0.0
    detail: str = ""  # sanitised; purged with personal data after retention


@dataclass(kw_only=True, slots=True)
class Audit:
    id: int | None = None  # given by the database
    at: str
    operator: str
    action: str  # checkin | manual_add | void | restore | close | purge | ...
    activity_id: str | None = None
    checkin_id: str | None = None
    reason: str = ""


@dataclass(kw_only=True, slots=True)
class Outbox:
    """Check-ins waiting for upload, in order. `done_at` is set when the server answered."""

    id: int | None = None  # given by the database
    checkin_id: str  # unique
    created_at: str
    attempts: int = 0
    last_error: str | None = None
    done_at: str | None = None
    sent_at: str | None = None  # a request carrying it was started: the server may have it


@dataclass(kw_only=True, slots=True)
class Correction:
    """A void or restore for the national API (`POST /v1/checkins:corrections`), written in
    the same transaction as the change itself and sent in `seq` order once the check-in's own
    upload is done. `status`: pending | applied | unchanged | rejected (the server's answer,
    reason in `result_reason`) | skipped (settled on the device: the server never counted the
    check-in, so there is nothing to correct)."""

    id: str  # UUID made on the device
    checkin_id: str  # references checkin.id
    action: str  # void | restore
    reason: str
    at: str  # when the operator made it (device clock)
    created_at: str
    done_at: str | None = None
    status: str = "pending"
    result_reason: str | None = None
    attempts: int = 0
    last_error: str | None = None
    seq: int  # the order corrections were made in
    outbox_seq: int  # outbox rows up to this id are uploaded before this correction


@dataclass(kw_only=True, slots=True)
class PaperRecord:
    """Personal data from a paper activity-record form, purged after retention."""

    checkin_id: str
    name: str
    contact: str
    municipality: str
    purged_at: str | None = None


@dataclass(kw_only=True, slots=True)
class SyncCursor:
    """A pull position kept by the sync worker (activities `since`, JWKS ETag, revocations)."""

    name: str
    value: str
    updated_at: str


@dataclass(kw_only=True, slots=True)
class RevokedEntry:
    """A revoked pass id (`kind` "jti") or registrant (`kind` "sub") pulled from the API."""

    kind: str
    value: str
    added_at: str


Row = (
    Activity
    | Checkin
    | Attempt
    | Audit
    | Outbox
    | Correction
    | PaperRecord
    | SyncCursor
    | RevokedEntry
)
R = TypeVar(
    "R",
    Activity,
    Checkin,
    Attempt,
    Audit,
    Outbox,
    Correction,
    PaperRecord,
    SyncCursor,
    RevokedEntry,
)

TABLES: dict[str, type[Row]] = {
    "activity": Activity,
    "checkin": Checkin,
    "attempt": Attempt,
    "audit": Audit,
    "outbox": Outbox,
    "correction": Correction,
    "paperrecord": PaperRecord,
    "synccursor": SyncCursor,
    "revokedentry": RevokedEntry,
}
"""Table name → row type (the table names of `kiosk.migrations`)."""

_TABLE_NAMES: dict[type[Any], str] = {cls: name for name, cls in TABLES.items()}
_NAMES: dict[type[Any], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls)) for cls in TABLES.values()
}
_BOOLS: dict[type[Any], frozenset[str]] = {
    cls: frozenset(n for n, hint in typing.get_type_hints(cls).items() if hint is bool)
    for cls in TABLES.values()
}


def table_name(cls: type[Row]) -> str:
    return _TABLE_NAMES[cls]


def columns(cls: type[Row], prefix: str = "") -> str:
    """The column list of `cls` in field order, for a SELECT (`prefix` e.g. "c." in a join)."""
    return ", ".join(prefix + name for name in _NAMES[cls])


def insert_sql(cls: type[Row]) -> str:
    """`INSERT INTO <table> (<every column>) VALUES (?, …)`, for `as_params` of a row."""
    names = _NAMES[cls]
    marks = ", ".join("?" * len(names))
    return f"INSERT INTO {_TABLE_NAMES[cls]} ({', '.join(names)}) VALUES ({marks})"


def as_params(row: Row) -> tuple[Any, ...]:
    """The values of a row in column order (bools stay bools; sqlite3 stores them as 1/0)."""
    return tuple(getattr(row, name) for name in _NAMES[type(row)])


def from_row(cls: type[R], row: Sequence[Any], names: Sequence[str] | None = None) -> R:
    """One row type from a cursor row whose columns are `names` (default: every field of
    `cls` in order, as `columns(cls)` selects them). SQLite's 0/1 become `bool` where the
    field is a bool."""
    values = dict(zip(_NAMES[cls] if names is None else names, row, strict=True))
    for name in _BOOLS[cls]:
        if name in values:
            values[name] = bool(values[name])
    return cls(**values)
