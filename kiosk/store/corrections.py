"""Corrections: voids and restores of check-ins. Each is made with its audit entry and queued
for the national API (`POST /v1/checkins:corrections`) in one transaction, and sent in the
order corrections were made, once the check-in's own upload is done.

What a correction needs depends on where the check-in stands when it is made:

* never sent (no request carrying it was started, `outbox.sent_at` is NULL): a void
  *withdraws* it — the outbox row is closed, `sync_status` becomes `withdrawn` and the
  correction is settled on the device (`skipped`, `not_uploaded`). The server never hears of
  it, so it never counts, not even for a moment, and never makes another kiosk's check-in of the
  same person a `duplicate`. A restore of a withdrawn check-in puts it back in the outbox
  (`pending`) and is settled the same way: it is then uploaded like any other.
* refused by the server (`rejected`): it never counted there; settled (`skipped`,
  `checkin_rejected`) — now, or by the uploader when the refusal arrives later.
* otherwise (sent, possibly still waiting for its answer): `pending`, sent after the check-in.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kiosk.store.database import Database
from kiosk.store.errors import RecordError
from kiosk.store.records import insert_audit
from kiosk.store.tables import Correction, CorrectionStatus, SyncStatus, columns, iso, select
from kiosk.text import sanitize

NOT_UPLOADED = "not_uploaded"
CHECKIN_REJECTED = "checkin_rejected"
CONFLICT = "conflict"

_PENDING = f"'{CorrectionStatus.PENDING}'"
_READY = (
    f"SELECT {columns(Correction, 'r.')} FROM correction r"
    " JOIN outbox o ON o.checkin_id = r.checkin_id"
    f" WHERE r.status = {_PENDING} AND o.done_at IS NOT NULL"
    " AND r.outbox_seq < COALESCE((SELECT MIN(id) FROM outbox WHERE done_at IS NULL), 1 << 62)"
    " ORDER BY r.seq"
)
_SETTLEABLE = (
    "SELECT r.id FROM correction r JOIN checkin c ON c.id = r.checkin_id"
    f" JOIN outbox o ON o.checkin_id = c.id WHERE r.status = {_PENDING}"
    f" AND o.done_at IS NOT NULL AND c.sync_status IN ('{SyncStatus.REJECTED}',"
    f" '{SyncStatus.WITHDRAWN}')"
)

_LAST = (
    "SELECT c.id FROM checkin c JOIN outbox o ON o.checkin_id = c.id"
    " WHERE c.activity_id = ? ORDER BY o.id DESC LIMIT 1"
)


@dataclass(frozen=True, slots=True)
class _CheckinState:
    """Where a check-in stands for syncing, read inside the correcting transaction."""

    sync_status: SyncStatus
    outbox_id: int
    outbox_done: bool
    sent: bool


def _checkin_state(cur: sqlite3.Cursor, checkin_id: str) -> _CheckinState:
    row = cur.execute(
        "SELECT c.sync_status, o.id, o.done_at IS NOT NULL, o.sent_at IS NOT NULL"
        " FROM checkin c JOIN outbox o ON o.checkin_id = c.id WHERE c.id = ?",
        (checkin_id,),
    ).fetchone()
    if row is None:  # every check-in has its outbox row (same transaction)
        raise sqlite3.IntegrityError(f"check-in {checkin_id} has no outbox row")
    return _CheckinState(SyncStatus(row[0]), int(row[1]), bool(row[2]), bool(row[3]))


def _queue(cur: sqlite3.Cursor, checkin_id: str, *, voided: bool, reason: str, at: datetime) -> str:
    """Record the correction of a void (`voided`) or restore that the caller's transaction has
    just made, settling it at once when the server has nothing to correct. Returns its id."""
    stamp = iso(at)
    state = _checkin_state(cur, checkin_id)
    status, result_reason = CorrectionStatus.PENDING, None
    if voided and not state.outbox_done and not state.sent:
        cur.execute("UPDATE outbox SET done_at = ? WHERE id = ?", (stamp, state.outbox_id))
        cur.execute(
            "UPDATE checkin SET sync_status = ?, sync_reason = NULL, synced_at = ? WHERE id = ?",
            (SyncStatus.WITHDRAWN.value, stamp, checkin_id),
        )
        status, result_reason = CorrectionStatus.SKIPPED, NOT_UPLOADED
    elif not voided and state.sync_status is SyncStatus.WITHDRAWN:
        cur.execute(
            "UPDATE outbox SET done_at = NULL, last_error = NULL WHERE id = ?", (state.outbox_id,)
        )
        cur.execute(
            "UPDATE checkin SET sync_status = ?, sync_reason = NULL, synced_at = NULL WHERE id = ?",
            (SyncStatus.PENDING.value, checkin_id),
        )
        status, result_reason = CorrectionStatus.SKIPPED, NOT_UPLOADED
    elif state.sync_status is SyncStatus.REJECTED:
        status, result_reason = CorrectionStatus.SKIPPED, CHECKIN_REJECTED
    correction_id = str(uuid.uuid4())
    cur.execute(
        "INSERT INTO correction (id, checkin_id, action, reason, at, created_at, done_at,"
        " status, result_reason, seq, outbox_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " (SELECT COALESCE(MAX(seq), 0) + 1 FROM correction),"
        " (SELECT COALESCE(MAX(id), 0) FROM outbox))",
        (
            correction_id,
            checkin_id,
            "void" if voided else "restore",
            reason,
            stamp,
            stamp,
            None if status is CorrectionStatus.PENDING else stamp,
            status.value,
            result_reason,
        ),
    )
    return correction_id


class Corrections:
    """`store.corrections` of a `kiosk.store.Store`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # -- making them ------------------------------------------------------------------------

    def void(
        self,
        checkin_id: str,
        *,
        reason: str,
        operator: str,
        at: datetime,
        only_if_last: bool = False,
    ) -> None:
        """Void a check-in: its audit entry and its correction for the national API (or its
        withdrawal, when it never left the device) are written in the same transaction.
        `only_if_last`: refuse (RecordError "not_last") unless it is still its activity's most
        recent check-in (the gate's undo)."""
        self._set_voided(
            checkin_id, True, reason=reason, operator=operator, at=at, only_if_last=only_if_last
        )

    def restore(self, checkin_id: str, *, reason: str, operator: str, at: datetime) -> None:
        self._set_voided(checkin_id, False, reason=reason, operator=operator, at=at)

    def _set_voided(
        self,
        checkin_id: str,
        voided: bool,
        *,
        reason: str,
        operator: str,
        at: datetime,
        only_if_last: bool = False,
    ) -> None:
        reason, operator = sanitize(reason), sanitize(operator, 64)  # typed by people, shown
        if not reason.strip():
            raise RecordError("a reason is required")
        with self._db.write() as cur:
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
            if only_if_last and cur.execute(_LAST, (activity_id,)).fetchone() != (checkin_id,):
                raise RecordError("not_last")
            try:
                cur.execute("UPDATE checkin SET voided = ? WHERE id = ?", (voided, checkin_id))
            except sqlite3.IntegrityError as exc:  # the partial unique index: one live check-in
                raise RecordError("registrant already has a live check-in") from exc
            insert_audit(
                cur,
                at=iso(at),
                operator=operator,
                action="void" if voided else "restore",
                activity_id=activity_id,
                checkin_id=checkin_id,
                reason=reason,
            )
            _queue(cur, checkin_id, voided=voided, reason=reason, at=at)

    # -- reads ------------------------------------------------------------------------------

    def of(self, checkin_id: str | None = None) -> list[Correction]:
        """Corrections in the order they were made (of one check-in, or all)."""
        if checkin_id is None:
            return self._db.rows(Correction, select(Correction, tail="ORDER BY seq"))
        sql = select(Correction, "checkin_id = ?", "ORDER BY seq")
        return self._db.rows(Correction, sql, (checkin_id,))

    def pending(self, activity_id: str | None = None) -> list[Correction]:
        """Corrections not yet answered by the server (of one activity, or all), in order."""
        if activity_id is None:
            sql = select(Correction, f"status = {_PENDING}", "ORDER BY seq")
            return self._db.rows(Correction, sql)
        sql = (
            f"SELECT {columns(Correction, 'r.')} FROM correction r"
            " JOIN checkin c ON c.id = r.checkin_id"
            f" WHERE r.status = {_PENDING} AND c.activity_id = ? ORDER BY r.seq"
        )
        return self._db.rows(Correction, sql, (activity_id,))

    # -- sending them -----------------------------------------------------------------------

    def settle(self, *, at: datetime) -> int:
        """Settle, without a request, pending corrections of check-ins the server refused
        (answered after the correction was made). Returns how many were settled."""
        if not self._db.value(f"SELECT EXISTS ({_SETTLEABLE})"):
            return 0  # the usual case: no write lock taken
        with self._db.write() as cur:
            cur.execute(
                "UPDATE correction SET status = ?, done_at = ?, result_reason ="
                " CASE (SELECT sync_status FROM checkin WHERE id = correction.checkin_id)"
                " WHEN ? THEN ? ELSE ? END"
                f" WHERE id IN ({_SETTLEABLE})",
                (
                    CorrectionStatus.SKIPPED.value,
                    iso(at),
                    SyncStatus.WITHDRAWN.value,
                    NOT_UPLOADED,
                    CHECKIN_REJECTED,
                ),
            )
            return max(cur.rowcount, 0)

    def next_batch(self, limit: int) -> list[Correction]:
        """The oldest pending corrections that may go now, at most `limit`, in order: those
        whose check-in is uploaded and that no earlier pending check-in must precede."""
        return self._db.rows(Correction, _READY + " LIMIT ?", (limit,))

    def apply_results(self, results: Sequence[tuple[str, str, str | None]], *, at: datetime) -> int:
        """Apply the server's answers (correction id, `CorrectionStatus` value, reason) in one
        transaction, only to corrections still pending (a replayed response changes nothing).
        A restore refused with `conflict` (the registrant has another live participation on the
        server) marks its check-in as not counted by the server: `duplicate` with reason
        `conflict`. Returns how many corrections were settled."""
        stamp = iso(at)
        done = 0
        with self._db.write() as cur:
            for correction_id, answer, reason in results:
                status = CorrectionStatus(answer)
                cur.execute(
                    "UPDATE correction SET status = ?, result_reason = ?, done_at = ?,"
                    f" attempts = attempts + 1 WHERE id = ? AND status = {_PENDING}",
                    (status.value, reason, stamp, correction_id),
                )
                if cur.rowcount <= 0:
                    continue
                done += 1
                if status is CorrectionStatus.REJECTED and reason == CONFLICT:
                    cur.execute(
                        "UPDATE checkin SET sync_status = ?, sync_reason = ?,"
                        " synced_at = ? WHERE id = (SELECT checkin_id FROM correction"
                        " WHERE id = ? AND action = 'restore')",
                        (SyncStatus.DUPLICATE.value, CONFLICT, stamp, correction_id),
                    )
        return done

    def note_failure(self, correction_ids: Sequence[str], error: str) -> None:
        with self._db.write() as cur:
            cur.executemany(
                "UPDATE correction SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                [(error[:200], correction_id) for correction_id in dict.fromkeys(correction_ids)],
            )
