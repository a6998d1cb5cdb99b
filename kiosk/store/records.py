"""The gate's records: every decision (attempt), the check-ins it accepted with their audit
entries and outbox rows, paper-form records, and the day's counts.

Every decision is one SQLite transaction: the attempt, and for an accepted scan the check-in,
its audit entry and its outbox row. Nothing is deleted by normal operation; corrections are
void/restore entries (`kiosk.store.corrections`)."""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from datetime import datetime

from kiosk.keyboard_layout import NOTE_PREFIX, Mismatch, parse_note
from kiosk.models import Method, Outcome, Reason, mask_registrant
from kiosk.store.database import Database
from kiosk.store.errors import RecordError
from kiosk.store.tables import (
    Attempt,
    Audit,
    Checkin,
    PaperRecord,
    SyncStatus,
    columns,
    iso,
    select,
)
from kiosk.store.tally import read_counts
from kiosk.store.values import Counts, NewCheckin, Stored
from kiosk.text import sanitize

_INSERT_ATTEMPT = (
    "INSERT INTO attempt (id, activity_id, outcome, reason, registrant, checkin_id, method, at,"
    " latency_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def insert_audit(
    cur: sqlite3.Cursor,
    *,
    at: str,
    operator: str,
    action: str,
    activity_id: str | None,
    checkin_id: str | None = None,
    reason: str = "",
) -> None:
    """One audit entry, inside the caller's transaction (operator and reason sanitised: they
    are typed by people and shown on screens)."""
    cur.execute(
        "INSERT INTO audit (at, operator, action, activity_id, checkin_id, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (at, sanitize(operator, 64), action, activity_id, checkin_id, sanitize(reason)),
    )


def _insert_checkin(
    cur: sqlite3.Cursor, new: NewCheckin, checkin_id: str, *, action: str, reason: str
) -> None:
    """The check-in, its audit entry and its outbox row (inside the caller's transaction)."""
    at = iso(new.scanned_at)
    corrected = iso(new.scanned_at_corrected) if new.scanned_at_corrected else None
    attestation = new.attestation
    cur.execute(
        "INSERT INTO checkin (id, activity_id, registrant, tier, method, jti, pass_token,"
        " scanned_at, scanned_at_corrected, clock_trusted, monotonic_s, session_id, operator,"
        " attested_by, attestation_reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            checkin_id,
            new.activity_id,
            new.registrant,
            new.tier,
            new.method.value,
            new.jti,
            new.pass_token,
            at,
            corrected,
            new.clock_trusted,
            new.monotonic_s,
            new.session_id,
            sanitize(new.operator, 64),
            sanitize(attestation.operator, 64) if attestation else None,
            sanitize(attestation.reason) if attestation else None,
        ),
    )
    insert_audit(
        cur,
        at=at,
        operator=new.operator,
        action=action,
        activity_id=new.activity_id,
        checkin_id=checkin_id,
        reason=reason,
    )
    cur.execute("INSERT INTO outbox (checkin_id, created_at) VALUES (?, ?)", (checkin_id, at))


def first_story(
    scanned_at: str, sync_status: str, device_name: str | None, server_scanned_at: str | None
) -> tuple[datetime, str | None]:
    """When, and at which gate, a registrant was first checked in, for a duplicate: this
    kiosk's check-in, unless the national server answered that another gate was first (then
    that gate's name and its time, when the server said)."""
    if sync_status == SyncStatus.DUPLICATE and server_scanned_at:
        try:
            return datetime.fromisoformat(server_scanned_at), device_name or None
        except ValueError:
            pass  # stored as the server sent it; fall back to this kiosk's own time
    return datetime.fromisoformat(scanned_at), None


class Records:
    """The gate's decisions and what they recorded. `store.records` of a `kiosk.store.Store`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- the gate ---------------------------------------------------------------------------

    def record_rejection(
        self,
        activity_id: str,
        reason: Reason,
        method: Method,
        at: datetime,
        *,
        registrant: str | None = None,
        detail: str = "",
        latency_ms: float = 0.0,
    ) -> Stored:
        return self.record_attempt(
            activity_id,
            Outcome.REJECTED,
            reason,
            method,
            at,
            registrant=registrant,
            detail=detail,
            latency_ms=latency_ms,
        )

    def record_attempt(
        self,
        activity_id: str,
        outcome: Outcome,
        reason: Reason | None,
        method: Method,
        at: datetime,
        *,
        registrant: str | None = None,
        checkin_id: str | None = None,
        detail: str = "",
        latency_ms: float = 0.0,
    ) -> Stored:
        """A decision that stored no check-in (a rejection, a manual record of someone
        already checked in): the attempt alone. `detail` is sanitised here."""
        attempt_id = str(uuid.uuid4())
        with self._db.write() as cur:
            cur.execute(
                _INSERT_ATTEMPT,
                (
                    attempt_id,
                    activity_id,
                    outcome.value,
                    reason.value if reason else None,
                    mask_registrant(sanitize(registrant, 40)) if registrant else None,
                    checkin_id,
                    method.value,
                    iso(at),
                    latency_ms,
                    sanitize(detail),
                ),
            )
        return Stored(outcome, reason, checkin_id, attempt_id)

    def record_checkin(
        self, new: NewCheckin, *, latency_ms: float = 0.0, detail: str = ""
    ) -> Stored:
        """Accept the registrant, or report the earlier check-in as a duplicate; `detail` is
        the attempt's note (how the pass was read), sanitised here.

        One transaction: the decision is taken under the write lock and BEGIN IMMEDIATE, so two
        scans of one registrant can never both be accepted (the partial unique index agrees).
        """
        attempt_id = str(uuid.uuid4())
        checkin_id: str | None = None
        first: tuple[datetime, str | None] | None = None
        reason: Reason | None = None
        with self._db.write() as cur:
            row = cur.execute(
                "SELECT a.closed_at IS NOT NULL, c.id, c.scanned_at, c.sync_status,"
                " c.first_device_name, c.first_scanned_at FROM activity a"
                " LEFT JOIN checkin c ON c.activity_id = a.id AND c.registrant = ?"
                " AND c.voided = 0 WHERE a.id = ?",
                (new.registrant, new.activity_id),
            ).fetchone()
            if row is None:
                outcome, reason = Outcome.REJECTED, Reason.NO_ACTIVITY
            elif row[0]:
                outcome, reason = Outcome.REJECTED, Reason.ACTIVITY_CLOSED
            elif row[1] is not None:
                outcome = Outcome.DUPLICATE
                checkin_id, first = row[1], first_story(*row[2:])
            else:
                outcome = Outcome.ACCEPTED
                checkin_id = str(uuid.uuid4())
                _insert_checkin(cur, new, checkin_id, action="checkin", reason="")
            cur.execute(
                _INSERT_ATTEMPT,
                (
                    attempt_id,
                    new.activity_id,
                    outcome.value,
                    reason.value if reason else None,
                    mask_registrant(new.registrant),
                    checkin_id,
                    new.method.value,
                    iso(new.scanned_at),
                    latency_ms,
                    sanitize(detail),
                ),
            )
        if first is None:
            return Stored(outcome, reason, checkin_id, attempt_id)
        return Stored(outcome, reason, checkin_id, attempt_id, *first)

    def add_manual(
        self, new: NewCheckin, *, reason: str, paper: tuple[str, str, str] | None = None
    ) -> Stored:
        """A coordinator's or volunteer's manual record (registrant id or paper form).
        Raises RecordError "duplicate", "no_activity" or "activity_closed". The reason and the
        paper form's fields are sanitised here, once, on their way in."""
        reason = sanitize(reason)
        if not reason.strip():
            raise RecordError("a reason is required")
        if paper is not None:
            name, contact, municipality = (sanitize(value, 100) for value in paper)
            paper = (name, contact, municipality)
        attempt_id = str(uuid.uuid4())
        checkin_id = str(uuid.uuid4())
        try:
            with self._db.write() as cur:
                row = cur.execute(
                    "SELECT closed_at FROM activity WHERE id = ?", (new.activity_id,)
                ).fetchone()
                if row is None:
                    raise RecordError("no_activity")
                if row[0] is not None:
                    raise RecordError("activity_closed")
                _insert_checkin(cur, new, checkin_id, action="manual_add", reason=reason)
                if paper is not None:
                    cur.execute(
                        "INSERT INTO paperrecord (checkin_id, name, contact, municipality)"
                        " VALUES (?, ?, ?, ?)",
                        (checkin_id, *paper),
                    )
                cur.execute(
                    _INSERT_ATTEMPT,
                    (
                        attempt_id,
                        new.activity_id,
                        Outcome.ACCEPTED.value,
                        None,
                        mask_registrant(new.registrant),
                        checkin_id,
                        new.method.value,
                        iso(new.scanned_at),
                        0.0,
                        "",
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise RecordError("duplicate") from exc
        return Stored(Outcome.ACCEPTED, None, checkin_id, attempt_id)

    # -- reads ------------------------------------------------------------------------------

    def last_accepted(self, activity_id: str) -> Checkin | None:
        sql = select(
            Checkin,
            "activity_id = ? AND voided = 0",
            "ORDER BY monotonic_s DESC, scanned_at DESC LIMIT 1",
        )
        return self._db.row(Checkin, sql, (activity_id,))

    def last_checkin(self, activity_id: str) -> Checkin | None:
        """The activity's most recently recorded check-in, voided or not (outbox order: the
        order check-ins were made on this device)."""
        sql = (
            f"SELECT {columns(Checkin, 'c.')} FROM checkin c JOIN outbox o ON o.checkin_id = c.id"
            " WHERE c.activity_id = ? ORDER BY o.id DESC LIMIT 1"
        )
        return self._db.row(Checkin, sql, (activity_id,))

    def live_checkin(self, activity_id: str, registrant: str) -> Checkin | None:
        """The registrant's live (not voided) check-in at the activity, if any."""
        sql = select(Checkin, "activity_id = ? AND registrant = ? AND voided = 0")
        return self._db.row(Checkin, sql, (activity_id, registrant))

    def checkins(self, activity_id: str, *, include_voided: bool = True) -> list[Checkin]:
        where = "activity_id = ?" if include_voided else "activity_id = ? AND voided = 0"
        return self._db.rows(Checkin, select(Checkin, where, "ORDER BY scanned_at"), (activity_id,))

    def checkin(self, checkin_id: str) -> Checkin | None:
        return self._db.row(Checkin, select(Checkin, "id = ?"), (checkin_id,))

    def attempts(self, activity_id: str, limit: int | None = None) -> list[Attempt]:
        if limit is None:
            sql = select(Attempt, "activity_id = ?", "ORDER BY at DESC")
            return self._db.rows(Attempt, sql, (activity_id,))
        sql = select(Attempt, "activity_id = ?", "ORDER BY at DESC LIMIT ?")
        return self._db.rows(Attempt, sql, (activity_id, limit))

    def keyboard_corrections(self, activity_id: str) -> dict[tuple[Mismatch, ...], int]:
        """How many of the activity's scans were read by undoing which keyboard settings of
        the scanner (`kiosk.keyboard_layout`): the coordinator's cue to set the scanner up."""
        with self._db.read() as con:
            rows = con.execute(
                "SELECT detail FROM attempt WHERE activity_id = ? AND detail LIKE ?",
                (activity_id, NOTE_PREFIX + "%"),
            ).fetchall()
        found = Counter(parse_note(detail) for (detail,) in rows)
        return {mismatches: n for mismatches, n in found.items() if mismatches}

    def audit_trail(self, checkin_id: str | None = None) -> list[Audit]:
        if checkin_id is None:
            return self._db.rows(Audit, select(Audit, tail="ORDER BY id"))
        return self._db.rows(Audit, select(Audit, "checkin_id = ?", "ORDER BY id"), (checkin_id,))

    def paper_record(self, checkin_id: str) -> PaperRecord | None:
        return self._db.row(PaperRecord, select(PaperRecord, "checkin_id = ?"), (checkin_id,))

    def counts(self, activity_id: str) -> Counts:
        """The day's numbers: what the gate decided (attempts), the live check-ins accepted
        here, and what the national system made of them — confirmed, counted toward premium
        or not, refused. Read from the tallies SQLite keeps in the transactions that change the
        rows (`kiosk.store.tally`), so it costs the same after the first scan and the
        100,000th; all from one read transaction (one consistent state)."""
        with self._db.snapshot() as con:
            return read_counts(con, activity_id)
