"""The store's side of corrections: every void and restore is queued for the national API
(`POST /v1/checkins:corrections`) in the transaction that makes it, and sent in the order
corrections were made, once the check-in's own upload is done.

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

from kiosk.store_base import _iso, _select
from kiosk.store_sync import SyncRecords
from kiosk.tables import Correction, columns

NOT_UPLOADED = "not_uploaded"
CHECKIN_REJECTED = "checkin_rejected"
CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class CheckinState:
    """Where a check-in stands for syncing, read inside the correcting transaction."""

    sync_status: str
    outbox_id: int
    outbox_done: bool
    sent: bool


def checkin_state(cur: sqlite3.Cursor, checkin_id: str) -> CheckinState:
    row = cur.execute(
        "SELECT c.sync_status, o.id, o.done_at IS NOT NULL, o.sent_at IS NOT NULL"
        " FROM checkin c JOIN outbox o ON o.checkin_id = c.id WHERE c.id = ?",
        (checkin_id,),
    ).fetchone()
    if row is None:  # every check-in has its outbox row (same transaction)
        raise sqlite3.IntegrityError(f"check-in {checkin_id} has no outbox row")
    return CheckinState(row[0], int(row[1]), bool(row[2]), bool(row[3]))


def queue_correction(
    cur: sqlite3.Cursor, checkin_id: str, *, voided: bool, reason: str, at: datetime
) -> str:
    """Record the correction of a void (`voided`) or restore that the caller's transaction has
    just made, settling it at once when the server has nothing to correct. Returns its id."""
    stamp = _iso(at)
    state = checkin_state(cur, checkin_id)
    status, result_reason = "pending", None
    if voided and not state.outbox_done and not state.sent:
        cur.execute("UPDATE outbox SET done_at = ? WHERE id = ?", (stamp, state.outbox_id))
        cur.execute(
            "UPDATE checkin SET sync_status = 'withdrawn', sync_reason = NULL, synced_at = ?"
            " WHERE id = ?",
            (stamp, checkin_id),
        )
        status, result_reason = "skipped", NOT_UPLOADED
    elif not voided and state.sync_status == "withdrawn":
        cur.execute(
            "UPDATE outbox SET done_at = NULL, last_error = NULL WHERE id = ?", (state.outbox_id,)
        )
        cur.execute(
            "UPDATE checkin SET sync_status = 'pending', sync_reason = NULL, synced_at = NULL"
            " WHERE id = ?",
            (checkin_id,),
        )
        status, result_reason = "skipped", NOT_UPLOADED
    elif state.sync_status == "rejected":
        status, result_reason = "skipped", CHECKIN_REJECTED
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
            None if status == "pending" else stamp,
            status,
            result_reason,
        ),
    )
    return correction_id


_READY = (
    f"SELECT {columns(Correction, 'r.')} FROM correction r"
    " JOIN outbox o ON o.checkin_id = r.checkin_id"
    " WHERE r.status = 'pending' AND o.done_at IS NOT NULL"
    " AND r.outbox_seq < COALESCE((SELECT MIN(id) FROM outbox WHERE done_at IS NULL), 1 << 62)"
    " ORDER BY r.seq"
)


_SETTLEABLE = (
    "SELECT r.id FROM correction r JOIN checkin c ON c.id = r.checkin_id"
    " JOIN outbox o ON o.checkin_id = c.id WHERE r.status = 'pending'"
    " AND o.done_at IS NOT NULL AND c.sync_status IN ('rejected', 'withdrawn')"
)


class CorrectionRecords(SyncRecords):
    """Queued corrections. `kiosk.store.Store` includes these methods."""

    def corrections(self, checkin_id: str | None = None) -> list[Correction]:
        """Corrections in the order they were made (of one check-in, or all)."""
        if checkin_id is None:
            return self._all(Correction, _select(Correction, tail="ORDER BY seq"))
        sql = _select(Correction, "checkin_id = ?", "ORDER BY seq")
        return self._all(Correction, sql, (checkin_id,))

    def pending_corrections(self, activity_id: str | None = None) -> list[Correction]:
        """Corrections not yet answered by the server (of one activity, or all), in order."""
        if activity_id is None:
            return self._all(Correction, _select(Correction, "status = 'pending'", "ORDER BY seq"))
        sql = (
            f"SELECT {columns(Correction, 'r.')} FROM correction r"
            " JOIN checkin c ON c.id = r.checkin_id"
            " WHERE r.status = 'pending' AND c.activity_id = ? ORDER BY r.seq"
        )
        return self._all(Correction, sql, (activity_id,))

    def settle_corrections(self, *, at: datetime) -> int:
        """Settle, without a request, pending corrections of check-ins the server refused
        (answered after the correction was made). Returns how many were settled."""
        if not self._value(f"SELECT EXISTS ({_SETTLEABLE})"):
            return 0  # the usual case: no write lock taken
        with self._write() as cur:
            cur.execute(
                "UPDATE correction SET status = 'skipped', done_at = ?, result_reason ="
                " CASE (SELECT sync_status FROM checkin WHERE id = correction.checkin_id)"
                " WHEN 'withdrawn' THEN ? ELSE ? END"
                f" WHERE id IN ({_SETTLEABLE})",
                (_iso(at), NOT_UPLOADED, CHECKIN_REJECTED),
            )
            return max(cur.rowcount, 0)

    def next_corrections(self, limit: int) -> list[Correction]:
        """The oldest pending corrections that may go now, at most `limit`, in order: those
        whose check-in is uploaded and that no earlier pending check-in must precede."""
        return self._all(Correction, _READY + " LIMIT ?", (limit,))

    def apply_correction_results(
        self, results: Sequence[tuple[str, str, str | None]], *, at: datetime
    ) -> int:
        """Apply the server's answers (correction id, status, reason) in one transaction, only
        to corrections still pending (a replayed response changes nothing). A restore refused
        with `conflict` (the registrant has another live participation on the server) marks
        its check-in as not counted by the server: `duplicate` with reason `conflict`.
        Returns how many corrections were settled."""
        stamp = _iso(at)
        done = 0
        with self._write() as cur:
            for correction_id, status, reason in results:
                cur.execute(
                    "UPDATE correction SET status = ?, result_reason = ?, done_at = ?,"
                    " attempts = attempts + 1 WHERE id = ? AND status = 'pending'",
                    (status, reason, stamp, correction_id),
                )
                if cur.rowcount <= 0:
                    continue
                done += 1
                if status == "rejected" and reason == CONFLICT:
                    cur.execute(
                        "UPDATE checkin SET sync_status = 'duplicate', sync_reason = ?,"
                        " synced_at = ? WHERE id = (SELECT checkin_id FROM correction"
                        " WHERE id = ? AND action = 'restore')",
                        (CONFLICT, stamp, correction_id),
                    )
        return done

    def note_correction_failure(self, correction_ids: Sequence[str], error: str) -> None:
        with self._write() as cur:
            cur.executemany(
                "UPDATE correction SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                [(error[:200], correction_id) for correction_id in dict.fromkeys(correction_ids)],
            )
