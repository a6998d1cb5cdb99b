"""The close-out screen's blocking work (SQLite, files, the national API). Each job runs on a
thread worker and returns the message that carries its result back to the screen; a change
that cannot be made comes back as a catalog key, never as an exception."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.closeout import close_day, summarize
from kiosk.exports import ExportFormat, export_activities, export_filename, write_export
from kiosk.models import Method
from kiosk.national import unsynced
from kiosk.national_counts import refresh_counts
from kiosk.new_checkins import manual_checkin
from kiosk.store import Attestation, RecordError, StorageFailed, StorageFull, Store
from kiosk.store.tables import Activity
from kiosk.text import sanitize
from kiosk.trust_keeper import TrustStatus
from screens.coordinator.context import CoordinatorContext
from screens.coordinator.export import ExportRequest
from screens.coordinator.manual import ManualEntry
from screens.coordinator.messages import (
    AuditLoaded,
    CorrectionDone,
    DayClosed,
    DayLoaded,
    Exported,
    GatesLoaded,
)
from screens.coordinator.reason import Correction

CLOSE_UPLOAD_TIMEOUT_S = 600.0
"""How long closing waits for the upload at most (a day's backlog on a slow link)."""

_ERRORS = {
    "activity_closed": "error.activity_closed",
    "no_activity": "error.no_activity",
    "duplicate": "error.duplicate",
    "registrant already has a live check-in": "error.live_exists",
    "already voided": "error.already_voided",
    "not voided": "error.not_voided",
}


def error_key(exc: Exception) -> str:
    """The catalog key describing a failed change."""
    if isinstance(exc, StorageFull | StorageFailed):
        return "error.storage"
    return _ERRORS.get(str(exc), "error.generic")


def _change(action: str, change: Callable[[], object]) -> CorrectionDone:
    try:
        change()
    except (RecordError, StorageFull, StorageFailed) as exc:
        return CorrectionDone(action, error_key(exc))
    return CorrectionDone(action)


def load_day(
    store: Store, activity_id: str, trust_status: Callable[[], TrustStatus] | None = None
) -> DayLoaded:
    """Fresh numbers, every attempt and check-in of the activity, the day's activities and
    the trust list in force."""
    summary = summarize(store, activity_id)
    attempts = store.records.attempts(activity_id)
    checkins = {c.id: c for c in store.records.checkins(activity_id)}
    activities = store.activities.by_date(on_date=summary.activity.date)
    trust = trust_status() if trust_status is not None else None
    names = {}
    for checkin in checkins.values():
        if checkin.method == Method.PAPER.value:
            record = store.records.paper_record(checkin.id)
            if record is not None and record.name:
                names[checkin.id] = record.name
    return DayLoaded(summary, attempts, checkins, activities, trust, names)


def correct(
    context: CoordinatorContext, checkin_id: str, correction: Correction, *, restore: bool
) -> CorrectionDone:
    """Void (or restore) one check-in with the coordinator's reason."""
    corrections, at = context.store.corrections, context.clock.now()
    change = corrections.restore if restore else corrections.void
    return _change(
        "restore" if restore else "void",
        lambda: change(checkin_id, reason=correction.reason, operator=correction.operator, at=at),
    )


def add_record(context: CoordinatorContext, activity_id: str, entry: ManualEntry) -> CorrectionDone:
    """The coordinator's manual record: a registrant id, or a paper-form participant. The
    coordinator vouches for it (operator and reason go with it as its attestation), so the
    national system counts it."""
    new = manual_checkin(
        activity_id,
        entry.registrant,
        method=Method.PAPER if entry.paper else Method.MANUAL,
        operator=entry.operator,
        clock=context.clock,
        attestation=Attestation(entry.operator, entry.reason),
    )
    paper = (entry.name, entry.contact, entry.municipality) if entry.paper else None
    return _change(
        "add", lambda: context.store.records.add_manual(new, reason=entry.reason, paper=paper)
    )


def refresh_national(context: CoordinatorContext, activity_id: str) -> DayLoaded | None:
    """Fetch the national system's gate + app counts, then the day again (None: no network
    configured, or the fetch failed and the stored counts stay)."""
    if context.fetch_counts is None:
        return None
    fetched = refresh_counts(context.store, activity_id, context.fetch_counts, context.clock.now())
    if isinstance(fetched, str):
        return None
    return load_day(context.store, activity_id, context.trust_status)


def load_audit(store: Store, activity_id: str) -> AuditLoaded:
    return AuditLoaded([a for a in store.records.audit_trail() if a.activity_id == activity_id])


def close(context: CoordinatorContext, activity_id: str, operator: str) -> DayClosed:
    """Close the day (or send its close-out again) and keep the server's receipt: the upload
    of everything pending comes first (its progress reaches the screen as sync states)."""
    flush_uploads = context.flush_uploads
    flush = (lambda: flush_uploads(CLOSE_UPLOAD_TIMEOUT_S)) if flush_uploads else None
    try:
        result = close_day(
            context.store,
            activity_id,
            operator,
            context.clock,
            context.submit_closeout,
            flush=flush,
            fetch_counts=context.fetch_counts,
        )
    except (RecordError, StorageFull, StorageFailed) as exc:
        return DayClosed(None, error_key(exc))
    return DayClosed(result)


def gates(context: CoordinatorContext, activity_id: str) -> GatesLoaded:
    """The other gates of the activity that still hold uploads, asked of the national API
    before the coordinator confirms closing (None when it cannot be asked)."""
    source = context.gate_status
    if source is None:
        return GatesLoaded(activity_id, None, "offline")
    try:
        found = source(activity_id)
    except Exception as exc:  # offline, refused, malformed: closing still works, unnamed
        return GatesLoaded(activity_id, None, sanitize(str(exc) or type(exc).__name__, 120))
    return GatesLoaded(activity_id, unsynced(found))


def export(context: CoordinatorContext, activity: Activity, request: ExportRequest) -> Exported:
    """Every export format of the activity's day, written to the chosen folder."""
    paths, replaced = [], 0
    try:
        request.folder.mkdir(mode=0o700, exist_ok=True)
        for fmt in ExportFormat:
            result = export_activities(
                context.store,
                [activity],
                fmt,
                encoding=request.encoding,
                full_ids=request.full_ids,
                generated_at=context.clock.now(),
                device=context.device,
            )
            path = request.folder / export_filename(activity.date, fmt, activity.id)
            write_export(path, result.data)
            paths.append(path)
            replaced += result.replaced
    except OSError as exc:
        return Exported(paths, replaced, exc.strerror or type(exc).__name__)
    return Exported(paths, replaced)
