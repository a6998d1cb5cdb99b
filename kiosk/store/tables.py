"""Row types of the kiosk database: plain dataclasses, read and written with sqlite3, and the
enums of their status columns. The DDL lives in `kiosk.store.migrations`; a test keeps the two
in step (field order = column order). Timestamps are ISO 8601 strings with their UTC offset,
never naive (`iso`)."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar


class SyncStatus(StrEnum):
    """Where a check-in stands with the national API (`checkin.sync_status`)."""

    PENDING = "pending"  # not answered yet (waiting in the outbox, or sent)
    ACCEPTED = "accepted"  # the server counts it
    DUPLICATE = "duplicate"  # the server counts another check-in of the same registrant
    REJECTED = "rejected"  # the server refused it
    WITHDRAWN = "withdrawn"  # voided before it was ever sent: the server never hears of it

    @property
    def refused(self) -> bool:
        """The server answered and does not count this check-in as this device's."""
        return self in (SyncStatus.DUPLICATE, SyncStatus.REJECTED)


class CorrectionStatus(StrEnum):
    """Where a void or restore stands with the national API (`correction.status`)."""

    PENDING = "pending"
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    SKIPPED = "skipped"  # settled on the device: the server never counted the check-in


def iso(at: datetime) -> str:
    """How the store writes a timestamp: ISO 8601 with its offset (a naive one is a bug)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return at.isoformat()


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
    sync_status: SyncStatus = SyncStatus.PENDING
    sync_reason: str | None = None
    synced_at: str | None = None
    attested_by: str | None = None  # the coordinator who vouched for a manual/paper record
    attestation_reason: str | None = None  # why (sent with `attested_by` as the attestation)
    counts: bool | None = None  # the server: counts toward premium (None: not answered yet)
    first_checkin_id: str | None = None  # the server, for a duplicate: the first check-in
    first_device_id: str | None = None  # ... the device that recorded it
    first_device_name: str | None = None  # ... that device's name (sanitised)
    first_scanned_at: str | None = None  # ... and when it was scanned

    @property
    def attested(self) -> bool:
        return bool(self.attested_by and self.attestation_reason)


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
    upload is done; the server's answer is its `status` (reason in `result_reason`)."""

    id: str  # UUID made on the device
    checkin_id: str  # references checkin.id
    action: str  # void | restore
    reason: str
    at: str  # when the operator made it (device clock)
    created_at: str
    done_at: str | None = None
    status: CorrectionStatus = CorrectionStatus.PENDING
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


@dataclass(kw_only=True, slots=True)
class TrustStatementRow:
    """The last good national trust statement (one row, id 1); see `kiosk.trust_keeper`."""

    id: int | None = None  # always 1
    token: str  # the compact JWS as signed
    state: str  # `TrustState.to_json()`: the anchors and sequence to verify the next one with
    pins: str  # thumbprints of the config's anchor pins when it was accepted, sorted, ","-joined
    sequence: int
    anchor: str  # thumbprint of the anchor that signed it
    issued_at: int  # epoch seconds
    expires_at: int  # epoch seconds
    key_count: int
    revocation_count: int
    accepted_at: str
    checked_at: str  # the server last served this statement (or a newer one was accepted)


@dataclass(kw_only=True, slots=True)
class TrustRefusal:
    """A trust statement the kiosk refused, with the stable reason (`kiosk.trust.Refusal`)."""

    id: int | None = None  # given by the database
    at: str
    reason: str
    detail: str = ""  # sanitised


@dataclass(kw_only=True, slots=True)
class ActivityCodeKeyName:
    """The name of an activity code key held in the secret store (the key itself never here)."""

    name: str  # `config.secrets.activity_code_key_name(activity_id, day)`
    activity_id: str
    day: str  # ISO date
    stored_at: str


@dataclass(kw_only=True, slots=True)
class ServerCounts:
    """The national system's live check-ins at an activity (`GET /v1/activities/{id}/counts`)."""

    activity_id: str
    total: int  # gate + app
    gate: int  # uploaded by devices, every method but app
    app: int  # self check-ins from the registrant app
    by_method: str  # JSON object, method -> count
    digest: str  # over every live check-in id at the activity (the close-out digest rule)
    fetched_at: str


@dataclass(kw_only=True, slots=True)
class PinLockout:
    """The coordinator PIN's lock-out (one row, id 1), kept across restarts."""

    id: int | None = None
    failures: int = 0  # consecutive wrong PINs
    locked_until: str | None = None  # no PIN is checked before this instant
    updated_at: str


@dataclass(kw_only=True, slots=True)
class ActivityTally:
    """An activity's counts, kept by triggers in the transactions that change the rows
    (`kiosk.store.tally`, which says what each column counts)."""

    activity_id: str
    live: int = 0
    voided: int = 0
    pending_upload: int = 0
    confirmed: int = 0
    server_duplicates: int = 0
    server_rejected: int = 0
    premium: int = 0
    counted: int = 0
    not_counted: int = 0
    unattested: int = 0
    duplicates: int = 0
    rejected: int = 0


@dataclass(kw_only=True, slots=True)
class ReasonTally:
    """Rejections by reason at an activity: "gate" (attempts) or "server" (live check-ins)."""

    activity_id: str
    side: str
    reason: str
    n: int = 0


@dataclass(kw_only=True, slots=True)
class PendingTally:
    """What the device still has to send (one row, id 1), kept by triggers."""

    id: int | None = None
    checkins: int = 0  # outbox rows not done
    corrections: int = 0  # corrections pending


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
    | TrustStatementRow
    | TrustRefusal
    | ActivityCodeKeyName
    | ServerCounts
    | PinLockout
    | ActivityTally
    | ReasonTally
    | PendingTally
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
    TrustStatementRow,
    TrustRefusal,
    ActivityCodeKeyName,
    ServerCounts,
    PinLockout,
    ActivityTally,
    ReasonTally,
    PendingTally,
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
    "truststatement": TrustStatementRow,
    "trustrefusal": TrustRefusal,
    "activitycodekey": ActivityCodeKeyName,
    "servercounts": ServerCounts,
    "pinlockout": PinLockout,
    "activitytally": ActivityTally,
    "reasontally": ReasonTally,
    "pendingtally": PendingTally,
}
"""Table name → row type (the table names of `kiosk.store.migrations`)."""

_TABLE_NAMES: dict[type[Any], str] = {cls: name for name, cls in TABLES.items()}
_NAMES: dict[type[Any], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls)) for cls in TABLES.values()
}
_HINTS = {cls: typing.get_type_hints(cls) for cls in TABLES.values()}
_BOOLS: dict[type[Any], frozenset[str]] = {
    cls: frozenset(n for n, hint in hints.items() if hint is bool or hint == bool | None)
    for cls, hints in _HINTS.items()
}
_ENUMS: dict[type[Any], dict[str, type[StrEnum]]] = {
    cls: {n: h for n, h in hints.items() if isinstance(h, type) and issubclass(h, StrEnum)}
    for cls, hints in _HINTS.items()
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


def select(cls: type[Row], where: str = "", tail: str = "") -> str:
    """`SELECT <every column of cls, in field order> FROM <its table> [WHERE …] [tail]`."""
    sql = f"SELECT {columns(cls)} FROM {table_name(cls)}"
    if where:
        sql += f" WHERE {where}"
    return f"{sql} {tail}" if tail else sql


def from_row(cls: type[R], row: Sequence[Any], names: Sequence[str] | None = None) -> R:
    """One row type from a cursor row whose columns are `names` (default: every field of
    `cls` in order, as `columns(cls)` selects them). SQLite's 0/1 become `bool` and status
    text its enum where the field is one."""
    values = dict(zip(_NAMES[cls] if names is None else names, row, strict=True))
    for name in _BOOLS[cls]:
        if name in values and values[name] is not None:
            values[name] = bool(values[name])
    for name, enum in _ENUMS[cls].items():
        if name in values:
            values[name] = enum(values[name])
    return cls(**values)
