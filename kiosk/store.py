"""Durable check-in store. Every decision is one SQLite transaction: the attempt, and for an
accepted scan the check-in, its audit entry and its outbox row. Nothing is deleted by normal
operation; corrections are void/restore entries with a reason and an operator, each queued for
the national API in the same transaction (`kiosk.store_corrections`).

Plain SQL on the standard library's `sqlite3` (pool, write lock and transactions in
`kiosk.store_base`, row types in `kiosk.tables`)."""

from __future__ import annotations

__all__ = [
    "Counts",
    "NewCheckin",
    "OutboxItem",
    "RecordError",
    "StorageFailed",
    "StorageFull",
    "Store",
    "StoreBase",
    "Stored",
]

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.database import Database
from kiosk.models import Method, Outcome, Reason, mask_registrant
from kiosk.store_base import (
    RecordError,
    StorageFailed,
    StorageFull,
    StoreBase,
    _iso,
    _select,
)
from kiosk.store_corrections import CorrectionRecords, queue_correction
from kiosk.store_sync import OutboxItem
from kiosk.tables import Activity, Attempt, Audit, Checkin, PaperRecord, as_params, insert_sql


@dataclass(frozen=True, slots=True)
class NewCheckin:
    """What the service asks the store to record for a verified (or manual) registrant."""

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
    outcome: Outcome
    reason: Reason | None
    checkin_id: str | None
    attempt_id: str
    first_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Counts:
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


_INSERT_ATTEMPT = (
    "INSERT INTO attempt (id, activity_id, outcome, reason, registrant, checkin_id, method, at,"
    " latency_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert_audit(
    cur: sqlite3.Cursor,
    *,
    at: str,
    operator: str,
    action: str,
    activity_id: str | None,
    checkin_id: str | None = None,
    reason: str = "",
) -> None:
    cur.execute(
        "INSERT INTO audit (at, operator, action, activity_id, checkin_id, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (at, operator, action, activity_id, checkin_id, reason),
    )


def _insert_checkin(
    cur: sqlite3.Cursor, new: NewCheckin, checkin_id: str, *, action: str, reason: str
) -> None:
    """The check-in, its audit entry and its outbox row (inside the caller's transaction)."""
    at = _iso(new.scanned_at)
    corrected = _iso(new.scanned_at_corrected) if new.scanned_at_corrected else None
    cur.execute(
        "INSERT INTO checkin (id, activity_id, registrant, tier, method, jti, pass_token,"
        " scanned_at, scanned_at_corrected, clock_trusted, monotonic_s, session_id, operator)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            new.operator,
        ),
    )
    _insert_audit(
        cur,
        at=at,
        operator=new.operator,
        action=action,
        activity_id=new.activity_id,
        checkin_id=checkin_id,
        reason=reason,
    )
    cur.execute("INSERT INTO outbox (checkin_id, created_at) VALUES (?, ?)", (checkin_id, at))


class Store(CorrectionRecords):
    """All reads and writes of the kiosk database. Safe to share between threads."""

    @classmethod
    def open(
        cls, path: Path, *, synchronous: str = "FULL", max_page_count: int | None = None
    ) -> Store:
        return cls(Database.open(path, synchronous=synchronous, max_page_count=max_page_count))

    # -- activities -------------------------------------------------------------------------

    def upsert_activity(self, activity: Activity) -> None:
        """Add an activity, or update its details (never its close-out) when it is known."""
        with self._write() as cur:
            cur.execute(
                insert_sql(Activity)
                + " ON CONFLICT (id) DO UPDATE SET name = excluded.name, date = excluded.date,"
                " venue = excluded.venue, organiser = excluded.organiser,"
                " municipality = excluded.municipality, designated = excluded.designated,"
                " updated_at = excluded.updated_at",
                as_params(activity),
            )

    def activity(self, activity_id: str) -> Activity | None:
        return self._one(Activity, _select(Activity, "id = ?"), (activity_id,))

    def activities(self, on_date: str | None = None) -> list[Activity]:
        if on_date is None:
            return self._all(Activity, _select(Activity, tail="ORDER BY date, name"))
        sql = _select(Activity, "date = ?", "ORDER BY date, name")
        return self._all(Activity, sql, (on_date,))

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
        attempt_id = str(uuid.uuid4())
        with self._write() as cur:
            cur.execute(
                _INSERT_ATTEMPT,
                (
                    attempt_id,
                    activity_id,
                    Outcome.REJECTED.value,
                    reason.value,
                    mask_registrant(registrant) if registrant else None,
                    None,
                    method.value,
                    _iso(at),
                    latency_ms,
                    detail,
                ),
            )
        return Stored(Outcome.REJECTED, reason, None, attempt_id)

    def record_checkin(self, new: NewCheckin, *, latency_ms: float = 0.0) -> Stored:
        """Accept the registrant, or report the earlier check-in as a duplicate.

        One transaction: the decision is taken under the write lock and BEGIN IMMEDIATE, so two
        scans of one registrant can never both be accepted (the partial unique index agrees).
        """
        attempt_id = str(uuid.uuid4())
        checkin_id: str | None = None
        first: datetime | None = None
        reason: Reason | None = None
        with self._write() as cur:
            row = cur.execute(
                "SELECT a.closed_at IS NOT NULL, c.id, c.scanned_at FROM activity a"
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
                checkin_id, first = row[1], datetime.fromisoformat(row[2])
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
                    _iso(new.scanned_at),
                    latency_ms,
                    "",
                ),
            )
        return Stored(outcome, reason, checkin_id, attempt_id, first)

    def add_manual(
        self, new: NewCheckin, *, reason: str, paper: tuple[str, str, str] | None = None
    ) -> Stored:
        """A coordinator's or volunteer's manual record (registrant id or paper form)."""
        if not reason.strip():
            raise RecordError("a reason is required")
        attempt_id = str(uuid.uuid4())
        checkin_id = str(uuid.uuid4())
        try:
            with self._write() as cur:
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
                        _iso(new.scanned_at),
                        0.0,
                        "",
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise RecordError("duplicate") from exc
        return Stored(Outcome.ACCEPTED, None, checkin_id, attempt_id)

    # -- corrections ------------------------------------------------------------------------

    def void(self, checkin_id: str, *, reason: str, operator: str, at: datetime) -> None:
        """Void a check-in: its audit entry and its correction for the national API (or its
        withdrawal, when it never left the device) are written in the same transaction."""
        self._set_voided(checkin_id, True, reason=reason, operator=operator, at=at)

    def restore(self, checkin_id: str, *, reason: str, operator: str, at: datetime) -> None:
        self._set_voided(checkin_id, False, reason=reason, operator=operator, at=at)

    def _set_voided(
        self, checkin_id: str, voided: bool, *, reason: str, operator: str, at: datetime
    ) -> None:
        if not reason.strip():
            raise RecordError("a reason is required")
        with self._write() as cur:
            row = cur.execute(
                "SELECT c.activity_id, c.voided, a.closed_at FROM checkin c"
                " LEFT JOIN activity a ON a.id = c.activity_id WHERE c.id = ?",
                (checkin_id,),
            ).fetchone()
            if row is None:
                raise RecordError("unknown check-in")
            activity_id, was_voided, closed_at = row
            if closed_at is not None:
                raise RecordError("activity_closed")
            if bool(was_voided) == voided:
                raise RecordError("already voided" if voided else "not voided")
            try:
                cur.execute("UPDATE checkin SET voided = ? WHERE id = ?", (voided, checkin_id))
            except sqlite3.IntegrityError as exc:  # the partial unique index: one live check-in
                raise RecordError("registrant already has a live check-in") from exc
            _insert_audit(
                cur,
                at=_iso(at),
                operator=operator,
                action="void" if voided else "restore",
                activity_id=activity_id,
                checkin_id=checkin_id,
                reason=reason,
            )
            queue_correction(cur, checkin_id, voided=voided, reason=reason, at=at)

    def last_accepted(self, activity_id: str) -> Checkin | None:
        sql = _select(
            Checkin,
            "activity_id = ? AND voided = 0",
            "ORDER BY monotonic_s DESC, scanned_at DESC LIMIT 1",
        )
        return self._one(Checkin, sql, (activity_id,))

    # -- reads ------------------------------------------------------------------------------

    def checkins(self, activity_id: str, *, include_voided: bool = True) -> list[Checkin]:
        where = "activity_id = ?" if include_voided else "activity_id = ? AND voided = 0"
        return self._all(Checkin, _select(Checkin, where, "ORDER BY scanned_at"), (activity_id,))

    def checkin(self, checkin_id: str) -> Checkin | None:
        return self._one(Checkin, _select(Checkin, "id = ?"), (checkin_id,))

    def attempts(self, activity_id: str, limit: int | None = None) -> list[Attempt]:
        if limit is None:
            sql = _select(Attempt, "activity_id = ?", "ORDER BY at DESC")
            return self._all(Attempt, sql, (activity_id,))
        sql = _select(Attempt, "activity_id = ?", "ORDER BY at DESC LIMIT ?")
        return self._all(Attempt, sql, (activity_id, limit))

    def audit_trail(self, checkin_id: str | None = None) -> list[Audit]:
        if checkin_id is None:
            return self._all(Audit, _select(Audit, tail="ORDER BY id"))
        return self._all(Audit, _select(Audit, "checkin_id = ?", "ORDER BY id"), (checkin_id,))

    def paper_record(self, checkin_id: str) -> PaperRecord | None:
        return self._one(PaperRecord, _select(PaperRecord, "checkin_id = ?"), (checkin_id,))

    def counts(self, activity_id: str) -> Counts:
        """The day's numbers, all from one read transaction (one consistent state)."""
        with self._snapshot() as con:
            live = con.execute(
                "SELECT COUNT(*), COUNT(DISTINCT registrant),"
                " COALESCE(SUM(sync_status = 'pending'), 0),"
                " COALESCE(SUM(sync_status = 'accepted'), 0),"
                " COALESCE(SUM(sync_status = 'duplicate'), 0),"
                " COALESCE(SUM(tier = 'premium'), 0)"
                " FROM checkin WHERE activity_id = ? AND voided = 0",
                (activity_id,),
            ).fetchone()
            voided = con.execute(
                "SELECT COUNT(*) FROM checkin WHERE activity_id = ? AND voided = 1",
                (activity_id,),
            ).fetchone()[0]
            by_outcome: dict[str, int] = dict(
                con.execute(
                    "SELECT outcome, COUNT(*) FROM attempt WHERE activity_id = ? GROUP BY outcome",
                    (activity_id,),
                ).fetchall()
            )
            by_reason: dict[str | None, int] = dict(
                con.execute(
                    "SELECT reason, COUNT(*) FROM attempt WHERE activity_id = ? AND outcome = ?"
                    " GROUP BY reason",
                    (activity_id, Outcome.REJECTED.value),
                ).fetchall()
            )
        accepted, unique_people, pending, confirmed, server_duplicates, premium = live
        return Counts(
            accepted=accepted,
            unique_people=unique_people,
            duplicates=by_outcome.get(Outcome.DUPLICATE.value, 0),
            rejected=by_outcome.get(Outcome.REJECTED.value, 0),
            voided=voided,
            pending_upload=pending,
            confirmed=confirmed,
            server_duplicates=server_duplicates,
            premium=premium,
            rejected_by_reason={str(k): v for k, v in by_reason.items()},
        )

    # -- close-out --------------------------------------------------------------------------

    def close_activity(self, activity_id: str, *, digest: str, operator: str, at: datetime) -> None:
        with self._write() as cur:
            row = cur.execute(
                "SELECT closed_at FROM activity WHERE id = ?", (activity_id,)
            ).fetchone()
            if row is None:
                raise RecordError("no_activity")
            if row[0] is not None:
                raise RecordError("activity_closed")
            cur.execute(
                "UPDATE activity SET closed_at = ?, closeout_digest = ? WHERE id = ?",
                (_iso(at), digest, activity_id),
            )
            _insert_audit(
                cur, at=_iso(at), operator=operator, action="close", activity_id=activity_id
            )

    def store_receipt(self, activity_id: str, receipt: dict[str, object]) -> None:
        text = json.dumps(receipt, ensure_ascii=False)
        with self._write() as cur:
            cur.execute(
                "UPDATE activity SET closeout_receipt = ? WHERE id = ?", (text, activity_id)
            )
            if cur.rowcount == 0:
                raise RecordError("no_activity")

    # -- retention (additive: used by kiosk.retention) --------------------------------------

    def purge_personal_data(
        self, before: datetime, *, at: datetime, operator: str = "retention"
    ) -> tuple[int, int]:
        """Blank paper-form names/contacts and rejected-attempt details recorded before
        `before`, for activities that are closed and, for paper records, check-ins the server
        has answered (sync_status != pending). Counts and registrant ids stay. One transaction
        with one `purge` audit entry per activity touched. Returns (paper records, attempts)."""
        if before.tzinfo is None:
            raise ValueError("naive datetime")
        stamp = _iso(at)
        touched: dict[str, list[int]] = {}
        with self._write() as cur:
            closed = {
                r[0] for r in cur.execute("SELECT id FROM activity WHERE closed_at IS NOT NULL")
            }
            papers: list[str] = []
            for checkin_id, activity_id, scanned_at in cur.execute(
                "SELECT p.checkin_id, c.activity_id, c.scanned_at FROM paperrecord p"
                " JOIN checkin c ON c.id = p.checkin_id"
                " WHERE p.purged_at IS NULL AND c.sync_status != 'pending'"
            ).fetchall():
                # the timestamps carry their offsets: compare them as datetimes, not as text
                if activity_id in closed and datetime.fromisoformat(scanned_at) < before:
                    papers.append(checkin_id)
                    touched.setdefault(activity_id, [0, 0])[0] += 1
            cur.executemany(
                "UPDATE paperrecord SET name = '', contact = '', purged_at = ?"
                " WHERE checkin_id = ?",
                [(stamp, checkin_id) for checkin_id in papers],
            )
            attempts: list[str] = []
            for attempt_id, activity_id, attempted_at in cur.execute(
                "SELECT id, activity_id, at FROM attempt WHERE outcome = ? AND detail != ''",
                (Outcome.REJECTED.value,),
            ).fetchall():
                if activity_id in closed and datetime.fromisoformat(attempted_at) < before:
                    attempts.append(attempt_id)
                    touched.setdefault(activity_id, [0, 0])[1] += 1
            cur.executemany("UPDATE attempt SET detail = '' WHERE id = ?", [(a,) for a in attempts])
            for activity_id, (p, a) in sorted(touched.items()):
                _insert_audit(
                    cur,
                    at=stamp,
                    operator=operator,
                    action="purge",
                    activity_id=activity_id,
                    reason=f"retention: {p} paper records, {a} rejected-scan details",
                )
        return len(papers), len(attempts)
