"""The store's side of syncing: the outbox, the server's per-item results, pull cursors and
revocations pulled from the national API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.store_base import StoreBase, _iso
from kiosk.tables import Checkin, columns, from_row


@dataclass(frozen=True, slots=True)
class OutboxItem:
    outbox_id: int
    checkin: Checkin


_NEXT_BATCH = (
    f"SELECT o.id, o.sent_at, {columns(Checkin, 'c.')} FROM outbox o"
    " JOIN checkin c ON c.id = o.checkin_id WHERE o.done_at IS NULL"
    " AND o.id <= COALESCE((SELECT MIN(outbox_seq) FROM correction WHERE status = 'pending'),"
    " 1 << 62) ORDER BY o.id LIMIT ?"
)
_SET_CURSOR = (
    "INSERT INTO synccursor (name, value, updated_at) VALUES (?, ?, ?)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
)


class SyncRecords(StoreBase):
    """Outbox and sync state. `kiosk.store.Store` includes these methods."""

    # -- outbox -----------------------------------------------------------------------------

    def pending_count(self) -> int:
        """What the device still has to send: check-ins and corrections (the header's count)."""
        checkins, corrections = self.pending_counts()
        return checkins + corrections

    def pending_counts(self) -> tuple[int, int]:
        """(check-ins waiting for upload, corrections waiting to be sent), one consistent read."""
        with self._read() as con:
            row = con.execute(
                "SELECT (SELECT COUNT(*) FROM outbox WHERE done_at IS NULL),"
                " (SELECT COUNT(*) FROM correction WHERE status = 'pending')"
            ).fetchone()
        return int(row[0]), int(row[1])

    def next_batch(self, limit: int) -> list[OutboxItem]:
        """The oldest pending check-ins that may go now, at most `limit`, in the order they were
        made: none made after a correction that is still pending (see `kiosk.store_corrections`)."""
        with self._read() as con:
            rows = con.execute(_NEXT_BATCH, (limit,)).fetchall()
        return [OutboxItem(row[0] or 0, from_row(Checkin, row[2:])) for row in rows]

    def claim_batch(self, limit: int, *, at: datetime) -> list[OutboxItem]:
        """`next_batch`, marking the rows as sent in the same transaction: from now on the
        server may have them, so a void no longer withdraws them but is sent as a correction.
        Rows already marked (a retry) are read without taking the write lock."""
        with self._read() as con:
            rows = con.execute(_NEXT_BATCH, (limit,)).fetchall()
        if any(row[1] is None for row in rows):
            with self._write() as cur:  # read again: a void may have withdrawn one meanwhile
                rows = cur.execute(_NEXT_BATCH, (limit,)).fetchall()
                cur.executemany(
                    "UPDATE outbox SET sent_at = ? WHERE id = ?",
                    [(_iso(at), row[0]) for row in rows if row[1] is None],
                )
        return [OutboxItem(row[0] or 0, from_row(Checkin, row[2:])) for row in rows]

    def apply_results(
        self, results: Sequence[tuple[str, str, str | None]], *, at: datetime
    ) -> None:
        """Apply the server's per-item results (checkin_id, status, reason) in one transaction."""
        stamp = _iso(at)
        with self._write() as cur:
            for checkin_id, status, reason in results:
                cur.execute(
                    "UPDATE checkin SET sync_status = ?, sync_reason = ?, synced_at = ?"
                    " WHERE id = ? AND EXISTS (SELECT 1 FROM outbox WHERE checkin_id = ?)",
                    (status, reason, stamp, checkin_id, checkin_id),
                )
                if cur.rowcount:  # both the check-in and its outbox row exist
                    cur.execute(
                        "UPDATE outbox SET done_at = ?, attempts = attempts + 1"
                        " WHERE checkin_id = ?",
                        (stamp, checkin_id),
                    )

    def apply_upload_results(
        self, results: Sequence[tuple[str, str, str | None]], *, at: datetime
    ) -> int:
        """`apply_results` for large batches: two bulk UPDATEs in one transaction, and only
        for outbox rows still pending (a replayed response changes nothing). Returns the number
        of outbox rows completed."""
        if not results:
            return 0
        stamp = _iso(at)
        rows = [
            {"id": checkin_id, "status": status, "reason": reason, "at": stamp}
            for checkin_id, status, reason in results
        ]
        with self._write() as cur:
            cur.executemany(
                "UPDATE outbox SET done_at = :at, attempts = attempts + 1"
                " WHERE checkin_id = :id AND done_at IS NULL",
                rows,
            )
            done = cur.rowcount
            cur.executemany(
                "UPDATE checkin SET sync_status = :status, sync_reason = :reason,"
                " synced_at = :at WHERE id = :id",
                rows,
            )
        return max(done, 0)

    def note_upload_failure(self, checkin_ids: Sequence[str], error: str) -> None:
        with self._write() as cur:
            cur.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE checkin_id = ?",
                [(error[:200], checkin_id) for checkin_id in dict.fromkeys(checkin_ids)],
            )

    def fill_corrected_times(self, session_id: str, offset: timedelta) -> int:
        """Give pending check-ins of this kiosk session that were made with an untrusted clock
        and no correction their corrected time (raw + server offset); returns how many."""
        with self._write() as cur:
            rows = cur.execute(
                "SELECT id, scanned_at FROM checkin WHERE session_id = ? AND clock_trusted = 0"
                " AND scanned_at_corrected IS NULL AND sync_status = 'pending'",
                (session_id,),
            ).fetchall()
            cur.executemany(
                "UPDATE checkin SET scanned_at_corrected = ? WHERE id = ?",
                [
                    (_iso(datetime.fromisoformat(scanned_at) + offset), checkin_id)
                    for checkin_id, scanned_at in rows
                ],
            )
        return len(rows)

    # -- sync state (pull cursors, revocations pulled from the national API) ----------------

    def sync_cursor(self, name: str) -> str | None:
        value = self._value("SELECT value FROM synccursor WHERE name = ?", (name,))
        return None if value is None else str(value)

    def set_sync_cursor(self, name: str, value: str | None, *, at: datetime) -> None:
        """Set (or with None, forget) a pull cursor."""
        with self._write() as cur:
            if value is None:
                cur.execute("DELETE FROM synccursor WHERE name = ?", (name,))
            else:
                cur.execute(_SET_CURSOR, (name, value, _iso(at)))

    def add_revocations(
        self,
        jti: Sequence[str],
        sub: Sequence[str],
        *,
        cursor_name: str,
        cursor: str,
        at: datetime,
    ) -> None:
        """Record revoked pass ids and registrants and the new cursor in one transaction."""
        stamp = _iso(at)
        rows = [("jti", v, stamp) for v in jti] + [("sub", v, stamp) for v in sub]
        with self._write() as cur:
            cur.executemany(
                "INSERT INTO revokedentry (kind, value, added_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                rows,
            )
            cur.execute(_SET_CURSOR, (cursor_name, cursor, stamp))

    def revoked(self) -> tuple[set[str], set[str]]:
        """All pulled revocations: (jti values, registrant ids)."""
        jti: set[str] = set()
        sub: set[str] = set()
        with self._read() as con:
            for kind, value in con.execute("SELECT kind, value FROM revokedentry"):
                (jti if kind == "jti" else sub).add(value)
        return jti, sub
