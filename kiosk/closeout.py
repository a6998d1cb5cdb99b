"""Closing a day at an activity: true counts, the digest, and the server's receipt.

The digest (shared with the national server, `sync.server.closeouts.checkin_digest`):

    SHA-256, hex, over the lower-case check-in ids, sorted, joined by "\\n", no trailing newline.

It covers the check-ins this device counts for the activity: live (not voided) and not refused
by the server. A check-in the server answered `duplicate` (another kiosk recorded the same
registrant first) or `rejected` is not this device's participation, and the server leaves it out
of its own digest the same way. Pending uploads are included: they are expected to be accepted,
and until they are the receipt says the digests differ and the screen lists what is pending.
Corrections (void / restore) work the same way: the device's digest reflects them at once, the
server's once they are sent (`POST /v1/checkins:corrections`); until then the close-out lists
them as pending, and sending the close-out again after they are sent gives a matching receipt.

What the nation counts is kept apart from what was accepted here: `DaySummary` lists the
check-ins the server refused (`server_rejected`, each with its reason), those another gate
recorded first (`server_duplicates`, with the first gate and time when the server said) and
those that are recorded but do not count toward premium (`not_counted`: manual or paper records
no coordinator vouched for), and reads the receipt's counts (`kiosk.national`).

Self check-ins from the registrant app reach no kiosk: the close-out also fetches the national
system's counts of the whole activity (`kiosk.national_counts`: gate and app side by side, with a
digest over every live check-in) and checks that the receipt states the same (its `app_count`,
`by_method` and `activity_digest`); the day's truth is those, next to what this device counted.

Closing waits for the upload: `close_day` freezes the day, then asks the injected `flush` to
upload every pending check-in and correction (the sync worker does it, posting its progress),
and sends the close-out only when nothing of the activity is left pending — so a void made a
moment before closing is in the receipt. Uploading goes through injected callables
(`flush() -> UploadOutcome`, `submit_closeout(payload) -> receipt`, `fetch_counts(activity_id)`)
so this module never imports the sync client. Nothing here touches Textual.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter as _Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from kiosk.clock import JST, Clock
from kiosk.keyboard_layout import Mismatch
from kiosk.models import Method, UploadOutcome
from kiosk.national import GateStatus, ReceiptCounts, receipt_counts
from kiosk.national_counts import FetchCounts, NationalCounts, refresh_counts, stored_counts
from kiosk.store import Counts, RecordError, Store
from kiosk.store.tables import Activity, Checkin, SyncStatus
from kiosk.text import sanitize

SubmitCloseout = Callable[[dict[str, object]], dict[str, object]]
"""Uploads a close-out (`POST /v1/closeouts`), returns the server's receipt; raises on failure."""
Flush = Callable[[], UploadOutcome]
"""Uploads every pending check-in and correction and waits (`kiosk.ports.UploadFlusher`)."""
UPLOAD_INCOMPLETE = "upload incomplete"


class CloseoutClient(Protocol):
    """The part of the national API client a close-out needs (`sync.client.ApiClient`)."""

    def closeout(
        self, *, activity_id: str, day: date, device_count: int, digest: str
    ) -> dict[str, Any]: ...


def closeout_submitter(client: CloseoutClient) -> SubmitCloseout:
    """Adapts an API client to the `submit_closeout` callable `close_day` takes."""

    def submit(payload: dict[str, object]) -> dict[str, object]:
        count = payload["device_count"]
        if not isinstance(count, int):
            raise TypeError("device_count must be an int")
        return dict(
            client.closeout(
                activity_id=str(payload["activity_id"]),
                day=date.fromisoformat(str(payload["date"])),
                device_count=count,
                digest=str(payload["digest"]),
            )
        )

    return submit


def checkin_digest(checkin_ids: Iterable[str]) -> str:
    """SHA-256 hex of the lower-case ids, sorted, joined by "\\n" (no trailing newline)."""
    joined = "\n".join(sorted(i.lower() for i in checkin_ids))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()


def counted(checkins: Iterable[Checkin]) -> list[Checkin]:
    """The check-ins this device counts: live and not refused by the server."""
    return [c for c in checkins if not c.voided and not c.sync_status.refused]


def effective_time(checkin: Checkin) -> datetime:
    """When the check-in happened: the server-corrected time when the clock was untrusted."""
    return datetime.fromisoformat(checkin.scanned_at_corrected or checkin.scanned_at)


@dataclass(frozen=True, slots=True)
class HourCount:
    hour: datetime  # start of the hour, in the summary's time zone
    count: int

    @property
    def label(self) -> str:
        return f"{self.hour:%H}:00"


def hourly(checkins: Iterable[Checkin], tz: timezone = JST) -> tuple[HourCount, ...]:
    """Check-ins per hour, every hour from the first to the last (empty hours are zero)."""
    hours = _Counter(
        effective_time(c).astimezone(tz).replace(minute=0, second=0, microsecond=0)
        for c in checkins
    )
    if not hours:
        return ()
    first, last = min(hours), max(hours)
    out: list[HourCount] = []
    at = first
    while at <= last:
        out.append(HourCount(at, hours.get(at, 0)))
        at += timedelta(hours=1)
    return tuple(out)


def parse_receipt(text: str | None) -> dict[str, object] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True, slots=True)
class DaySummary:
    """Everything the close-out screen and the printable summary show for one activity."""

    activity: Activity
    counts: Counts
    hourly: tuple[HourCount, ...]
    digest: str  # frozen at close; the live digest while the day is open
    digest_count: int
    live_digest: str
    pending_ids: tuple[str, ...]  # counted check-ins not yet confirmed by the server
    closed_at: datetime | None
    receipt: dict[str, object] | None
    pending_corrections: tuple[str, ...] = ()  # check-ins whose void/restore is not yet sent
    server_rejected: tuple[Checkin, ...] = ()  # live here, refused by the national server
    server_duplicates: tuple[Checkin, ...] = ()  # live here, recorded first at another gate
    not_counted: tuple[Checkin, ...] = ()  # live, but not counting toward premium
    activity_counts: NationalCounts | None = None  # the whole activity, gate + app, if fetched
    keyboard_corrections: Mapping[tuple[Mismatch, ...], int] = field(default_factory=dict)
    # scans read by undoing the scanner's keyboard settings: the scanner needs setting up

    @property
    def counts_match_receipt(self) -> bool | None:
        """The receipt and the fetched activity counts state the same (see national_counts)."""
        counts = self.activity_counts
        return None if counts is None else counts.matches_receipt(self.receipt)

    @property
    def national(self) -> ReceiptCounts:
        """The receipt's numbers (empty before a receipt arrived)."""
        return receipt_counts(self.receipt)

    @property
    def premium_share(self) -> float | None:
        """Share of live check-ins with a premium-tier pass; None when nothing was accepted."""
        if self.counts.accepted == 0:
            return None
        return self.counts.premium / self.counts.accepted

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


def summarize(store: Store, activity_id: str, tz: timezone = JST) -> DaySummary:
    activity = store.activities.get(activity_id)
    if activity is None:
        raise RecordError("no_activity")
    checkins = store.records.checkins(activity_id)
    mine = counted(checkins)
    live = checkin_digest(c.id for c in mine)
    alive = [c for c in checkins if not c.voided]
    return DaySummary(
        activity=activity,
        counts=store.records.counts(activity_id),
        hourly=hourly((c for c in checkins if not c.voided), tz),
        digest=activity.closeout_digest or live,
        digest_count=len(mine),
        live_digest=live,
        pending_ids=tuple(c.id for c in mine if c.sync_status is not SyncStatus.ACCEPTED),
        closed_at=datetime.fromisoformat(activity.closed_at) if activity.closed_at else None,
        receipt=parse_receipt(activity.closeout_receipt),
        pending_corrections=tuple(
            dict.fromkeys(c.checkin_id for c in store.corrections.pending(activity_id))
        ),
        server_rejected=tuple(c for c in alive if c.sync_status is SyncStatus.REJECTED),
        server_duplicates=tuple(c for c in alive if c.sync_status is SyncStatus.DUPLICATE),
        not_counted=tuple(c for c in mine if not_counting(c)),
        activity_counts=stored_counts(store, activity_id),
        keyboard_corrections=store.records.keyboard_corrections(activity_id),
    )


def not_counting(checkin: Checkin) -> bool:
    """Recorded, but the national system does not count it toward premium: the server said
    so, or (before it answered) a manual or paper record that no coordinator vouched for."""
    if checkin.counts is not None:
        return checkin.sync_status is SyncStatus.ACCEPTED and not checkin.counts
    return checkin.method in (Method.MANUAL, Method.PAPER) and not checkin.attested


@dataclass(frozen=True, slots=True)
class CloseoutResult:
    """Where a close-out stands: "closed, all N confirmed", or exactly what is pending."""

    activity_id: str
    count: int  # N: check-ins covered by the digest
    digest: str
    closed_at: datetime
    newly_closed: bool
    pending_ids: tuple[str, ...] = ()  # check-ins the server has not confirmed yet
    receipt: dict[str, object] | None = None
    upload_error: str | None = None  # why the receipt is missing (offline, server error)
    uploaded: bool = False  # this call sent the close-out
    pending_corrections: tuple[str, ...] = ()  # check-ins whose correction is not yet sent
    waiting_for_upload: bool = False  # not sent: check-ins or corrections are still pending
    activity_counts: NationalCounts | None = None  # gate + app at the activity, as last fetched
    activity_counts_error: str | None = None  # why this close-out could not fetch them

    @property
    def national(self) -> ReceiptCounts:
        return receipt_counts(self.receipt)

    @property
    def unsynced_gates(self) -> tuple[GateStatus, ...]:
        """Other gates of the activity that still declared uploads when the receipt was made."""
        return self.national.unsynced_gates

    @property
    def digest_match(self) -> bool | None:
        if self.receipt is None:
            return None
        return bool(self.receipt.get("digest_match"))

    @property
    def combined_unique(self) -> int | None:
        """Unique participants at this activity across every kiosk, from the receipt."""
        value = self.receipt.get("combined_unique_count") if self.receipt else None
        return value if isinstance(value, int) else None

    @property
    def all_confirmed(self) -> bool:
        return not self.pending_ids and not self.pending_corrections and self.digest_match is True

    def describe(self) -> str:
        """One line for logs and the CLI (the UI uses its own catalog strings)."""
        others = ", ".join(f"{g.label} ({g.pending_uploads})" for g in self.unsynced_gates)
        if self.all_confirmed:
            return f"closed, all {self.count} confirmed" + (
                f"; gates not synced: {others}" if others else ""
            )
        parts = []
        if self.pending_ids:
            parts.append(f"{len(self.pending_ids)} check-ins not yet uploaded")
        if self.pending_corrections:
            parts.append(f"{len(self.pending_corrections)} corrections not yet uploaded")
        if self.receipt is None:
            parts.append(
                "no server receipt" + (f" ({self.upload_error})" if self.upload_error else "")
            )
        elif self.digest_match is False:
            parts.append("server digest differs")
        if others:
            parts.append(f"gates not synced: {others}")
        return f"closed, {self.count} counted; pending: " + ", ".join(parts)

    def describe_activity_counts(self) -> str:
        """The activity's gate and app check-ins as the national system counts them."""
        counts = self.activity_counts
        if counts is None:
            why = f" ({self.activity_counts_error})" if self.activity_counts_error else ""
            return f"national counts: not fetched{why}"
        match = counts.matches_receipt(self.receipt)
        agreed = {True: "; receipt matches", False: "; receipt differs", None: ""}[match]
        return (
            f"national counts: gate {counts.gate}, app {counts.app}, total {counts.total}{agreed}"
        )


def closeout_payload(activity: Activity, digest: str, count: int) -> dict[str, object]:
    """The `POST /v1/closeouts` request body (sync/openapi.yaml CloseoutRequest)."""
    return {
        "activity_id": activity.id,
        "date": activity.date,
        "device_count": count,
        "digest": digest,
    }


def close_day(
    store: Store,
    activity_id: str,
    operator: str,
    clock: Clock,
    submit_closeout: SubmitCloseout | None = None,
    *,
    flush: Flush | None = None,
    fetch_counts: FetchCounts | None = None,
) -> CloseoutResult:
    """Freeze the activity on this device, upload what is pending, then send its digest and
    store the receipt.

    With `flush` (the kiosk always has one when it is online), the close-out waits for the
    upload and is sent only when no check-in or correction of the activity is left pending:
    otherwise the result says it is `waiting_for_upload` and why (`upload_error`). Without it
    the close-out is sent at once (the caller uploaded first).

    Safe to call again: a closed day is not closed twice; the close-out is (re)sent while no
    matching receipt is stored, e.g. once the device is back online or the last check-ins and
    corrections have been uploaded (the result lists what is still pending). The upload sends
    the digest of the check-ins counted now (the server may have refused some since closing);
    the digest frozen at close stays in the activity row. With `fetch_counts` the national
    system's gate and app counts of the activity are fetched after it and kept.
    """
    activity = store.activities.get(activity_id)
    if activity is None:
        raise RecordError("no_activity")
    newly_closed = activity.closed_at is None
    if newly_closed:
        mine = counted(store.records.checkins(activity_id))
        try:
            store.activities.close(
                activity_id,
                digest=checkin_digest(c.id for c in mine),
                operator=operator,
                at=clock.now(),
            )
        except RecordError as exc:
            if str(exc) != "activity_closed":
                raise
            newly_closed = False  # closed a moment ago by another caller: carry on from there
    summary = summarize(store, activity_id)
    receipt, error, uploaded, waiting = summary.receipt, None, False, False
    wanted = receipt is None or not receipt.get("digest_match")
    if submit_closeout is not None and wanted and flush is not None:
        outcome = flush()  # the activity is frozen: nothing new can be added meanwhile
        summary = summarize(store, activity_id)
        waiting = bool(summary.pending_ids or summary.pending_corrections)
        if waiting:
            error = outcome.error or UPLOAD_INCOMPLETE
    if submit_closeout is not None and wanted and not waiting:
        payload = closeout_payload(summary.activity, summary.live_digest, summary.digest_count)
        try:
            answer = submit_closeout(payload)
        except Exception as exc:  # any transport or server failure: keep the close, report why
            error = sanitize(str(exc) or type(exc).__name__, 120)
        else:
            store.activities.store_receipt(activity_id, answer)
            receipt, uploaded = answer, True
    elif submit_closeout is None and receipt is None:
        error = "offline"
    activity_counts, counts_error = summary.activity_counts, None
    if fetch_counts is not None:
        fetched = refresh_counts(store, activity_id, fetch_counts, clock.now())
        if isinstance(fetched, str):
            counts_error = fetched
        else:
            activity_counts = fetched
    if summary.closed_at is None:  # closed above or before; never reached
        raise RecordError("not closed")
    return CloseoutResult(
        activity_id=activity_id,
        count=summary.digest_count,
        digest=summary.live_digest if uploaded else summary.digest,
        closed_at=summary.closed_at,
        newly_closed=newly_closed,
        pending_ids=summary.pending_ids,
        receipt=receipt,
        upload_error=error,
        uploaded=uploaded,
        pending_corrections=summary.pending_corrections,
        waiting_for_upload=waiting,
        activity_counts=activity_counts,
        activity_counts_error=counts_error,
    )


def activities_on(store: Store, on_date: str, activity_id: str | None = None) -> list[Activity]:
    """Activities held on a date (ISO), optionally only one of them."""
    found = store.activities.by_date(on_date=on_date)
    if activity_id is not None:
        found = [a for a in found if a.id == activity_id]
    return found
