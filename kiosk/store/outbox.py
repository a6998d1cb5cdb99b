"""What waits for the national API: the outbox of check-ins, in the order they were made, and
the server's per-item answers to them. Corrections wait in `kiosk.store.corrections`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from kiosk.store.database import Database
from kiosk.store.tables import Checkin, CorrectionStatus, SyncStatus, columns, from_row, iso
from kiosk.store.tally import read_pending
from kiosk.store.values import OutboxItem, ServerAnswer
from kiosk.text import sanitize

_NEXT_BATCH = (
    f"SELECT o.id, o.sent_at, {columns(Checkin, 'c.')} FROM outbox o"
    " JOIN checkin c ON c.id = o.checkin_id WHERE o.done_at IS NULL"
    " AND o.id <= COALESCE((SELECT MIN(outbox_seq) FROM correction"
    f" WHERE status = '{CorrectionStatus.PENDING}'), 1 << 62) ORDER BY o.id LIMIT ?"
)


def _clean(text: str | None, limit: int) -> str | None:
    return None if text is None else sanitize(text, limit)


class Outbox:
    """`store.outbox` of a `kiosk.store.Store`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def pending_count(self) -> int:
        """What the device still has to send: check-ins and corrections (the header's count)."""
        checkins, corrections = self.pending_counts()
        return checkins + corrections

    def pending_counts(self) -> tuple[int, int]:
        """(check-ins waiting for upload, corrections waiting to be sent), one consistent read
        of their tallies (`kiosk.store.tally`: the same cost with 100,000 waiting)."""
        with self._db.read() as con:
            return read_pending(con)

    def claim_batch(self, limit: int, *, at: datetime) -> list[OutboxItem]:
        """The oldest pending check-ins that may go now, at most `limit`, in the order they were
        made — none made after a correction that is still pending (`kiosk.store.corrections`) —
        marked as sent in the same transaction: from now on the server may have them, so a void
        no longer withdraws them but is sent as a correction. Rows already marked (a retry)
        are read without taking the write lock."""
        with self._db.read() as con:
            rows = con.execute(_NEXT_BATCH, (limit,)).fetchall()
        if any(row[1] is None for row in rows):
            with self._db.write() as cur:  # read again: a void may have withdrawn one meanwhile
                rows = cur.execute(_NEXT_BATCH, (limit,)).fetchall()
                cur.executemany(
                    "UPDATE outbox SET sent_at = ? WHERE id = ?",
                    [(iso(at), row[0]) for row in rows if row[1] is None],
                )
        return [OutboxItem(row[0] or 0, from_row(Checkin, row[2:])) for row in rows]

    def apply_results(
        self,
        results: Sequence[tuple[str, str, str | None]],
        *,
        at: datetime,
        answers: Mapping[str, ServerAnswer] | None = None,
    ) -> int:
        """Apply the server's per-item answers (checkin_id, `SyncStatus` value, reason) in one
        transaction: bulk UPDATEs, completing only outbox rows still pending (a replayed
        response changes nothing). `answers` adds what the server said beyond the status, by
        check-in id (counts, the first check-in of a duplicate); it is kept in the same
        transaction, its texts sanitised (they come from the national API). A check-in the
        server holds (`accepted`, `duplicate`) is never sent again, so its pass token is
        blanked: the device keeps no pass longer than it needs it. Returns the number of
        outbox rows completed."""
        if not results:
            return 0
        stamp = iso(at)
        rows = [
            {"id": checkin_id, "status": SyncStatus(status).value, "reason": reason, "at": stamp}
            for checkin_id, status, reason in results
        ]
        with self._db.write() as cur:
            cur.executemany(
                "UPDATE outbox SET done_at = :at, attempts = attempts + 1"
                " WHERE checkin_id = :id AND done_at IS NULL",
                rows,
            )
            done = cur.rowcount
            cur.executemany(
                "UPDATE checkin SET sync_status = :status, sync_reason = :reason,"
                " synced_at = :at, pass_token = CASE WHEN :status IN"
                f" ('{SyncStatus.ACCEPTED}', '{SyncStatus.DUPLICATE}') THEN NULL"
                " ELSE pass_token END WHERE id = :id",
                rows,
            )
            if answers:
                cur.executemany(
                    "UPDATE checkin SET counts = :counts, first_checkin_id = :first_id,"
                    " first_device_id = :device_id, first_device_name = :device_name,"
                    " first_scanned_at = :scanned_at WHERE id = :id",
                    [
                        {
                            "id": checkin_id,
                            "counts": answer.counts,
                            "first_id": answer.first_checkin_id,
                            "device_id": _clean(answer.first_device_id, 64),
                            "device_name": _clean(answer.first_device_name, 64),
                            "scanned_at": answer.first_scanned_at,
                        }
                        for checkin_id, answer in answers.items()
                    ],
                )
        return max(done, 0)

    def note_failure(self, checkin_ids: Sequence[str], error: str) -> None:
        with self._db.write() as cur:
            cur.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE checkin_id = ?",
                [(error[:200], checkin_id) for checkin_id in dict.fromkeys(checkin_ids)],
            )

    def fill_corrected_times(self, session_id: str, offset: timedelta) -> int:
        """Give pending check-ins of this kiosk session that were made with an untrusted clock
        and no correction their corrected time (raw + server offset); returns how many."""
        with self._db.write() as cur:
            rows = cur.execute(
                "SELECT id, scanned_at FROM checkin WHERE session_id = ? AND clock_trusted = 0"
                f" AND scanned_at_corrected IS NULL AND sync_status = '{SyncStatus.PENDING}'",
                (session_id,),
            ).fetchall()
            cur.executemany(
                "UPDATE checkin SET scanned_at_corrected = ? WHERE id = ?",
                [
                    (iso(datetime.fromisoformat(scanned_at) + offset), checkin_id)
                    for checkin_id, scanned_at in rows
                ],
            )
        return len(rows)
