"""The store's side of syncing: the outbox, the server's per-item results, pull cursors and
revocations pulled from the national API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from kiosk.store_base import StoreBase, _iso
from kiosk.tables import Checkin, Outbox, RevokedEntry, SyncCursor


@dataclass(frozen=True, slots=True)
class OutboxItem:
    outbox_id: int
    checkin: Checkin


class SyncRecords(StoreBase):
    """Outbox and sync state. `kiosk.store.Store` includes these methods."""

    # -- outbox -----------------------------------------------------------------------------

    def pending_count(self) -> int:
        with self._read() as session:
            return session.exec(
                select(func.count()).select_from(Outbox).where(col(Outbox.done_at).is_(None))
            ).one()

    def next_batch(self, limit: int) -> list[OutboxItem]:
        """The oldest pending check-ins, at most `limit`, in the order they were made."""
        with self._read() as session:
            rows = session.exec(
                select(Outbox, Checkin)
                .join(Checkin, col(Checkin.id) == col(Outbox.checkin_id))
                .where(col(Outbox.done_at).is_(None))
                .order_by(col(Outbox.id))
                .limit(limit)
            ).all()
            return [OutboxItem(outbox.id or 0, checkin) for outbox, checkin in rows]

    def apply_results(
        self, results: Sequence[tuple[str, str, str | None]], *, at: datetime
    ) -> None:
        """Apply the server's per-item results (checkin_id, status, reason) in one transaction."""
        stamp = _iso(at)
        with self._write() as session:
            for checkin_id, status, reason in results:
                checkin = session.get(Checkin, checkin_id)
                outbox = session.exec(select(Outbox).where(Outbox.checkin_id == checkin_id)).first()
                if checkin is None or outbox is None:
                    continue
                checkin.sync_status = status
                checkin.sync_reason = reason
                checkin.synced_at = stamp
                outbox.done_at = stamp
                outbox.attempts += 1
                session.add(checkin)
                session.add(outbox)

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
        with self._write() as session:
            done = session.execute(
                text(
                    "UPDATE outbox SET done_at = :at, attempts = attempts + 1"
                    " WHERE checkin_id = :id AND done_at IS NULL"
                ),
                rows,
            )
            session.execute(
                text(
                    "UPDATE checkin SET sync_status = :status, sync_reason = :reason,"
                    " synced_at = :at WHERE id = :id"
                ),
                rows,
            )
            return int(getattr(done, "rowcount", 0) or 0)

    def note_upload_failure(self, checkin_ids: Sequence[str], error: str) -> None:
        with self._write() as session:
            for outbox in session.exec(
                select(Outbox).where(col(Outbox.checkin_id).in_(list(checkin_ids)))
            ):
                outbox.attempts += 1
                outbox.last_error = error[:200]
                session.add(outbox)

    def fill_corrected_times(self, session_id: str, offset: timedelta) -> int:
        """Give pending check-ins of this kiosk session that were made with an untrusted clock
        and no correction their corrected time (raw + server offset); returns how many."""
        with self._write() as session:
            rows = session.exec(
                select(Checkin).where(
                    Checkin.session_id == session_id,
                    col(Checkin.clock_trusted).is_(False),
                    col(Checkin.scanned_at_corrected).is_(None),
                    Checkin.sync_status == "pending",
                )
            ).all()
            for checkin in rows:
                raw = datetime.fromisoformat(checkin.scanned_at)
                checkin.scanned_at_corrected = _iso(raw + offset)
                session.add(checkin)
            return len(rows)

    # -- sync state (pull cursors, revocations pulled from the national API) ----------------

    def sync_cursor(self, name: str) -> str | None:
        with self._read() as session:
            row = session.get(SyncCursor, name)
            return row.value if row is not None else None

    def set_sync_cursor(self, name: str, value: str | None, *, at: datetime) -> None:
        """Set (or with None, forget) a pull cursor."""
        with self._write() as session:
            row = session.get(SyncCursor, name)
            if value is None:
                if row is not None:
                    session.delete(row)
                return
            row = row or SyncCursor(name=name, value=value, updated_at=_iso(at))
            row.value, row.updated_at = value, _iso(at)
            session.add(row)

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
        rows = [{"kind": "jti", "value": v, "added_at": stamp} for v in jti]
        rows += [{"kind": "sub", "value": v, "added_at": stamp} for v in sub]
        with self._write() as session:
            if rows:
                session.execute(sqlite_insert(RevokedEntry).values(rows).on_conflict_do_nothing())
            row = session.get(SyncCursor, cursor_name)
            row = row or SyncCursor(name=cursor_name, value=cursor, updated_at=stamp)
            row.value, row.updated_at = cursor, stamp
            session.add(row)

    def revoked(self) -> tuple[set[str], set[str]]:
        """All pulled revocations: (jti values, registrant ids)."""
        with self._read() as session:
            jti: set[str] = set()
            sub: set[str] = set()
            for kind, value in session.exec(select(RevokedEntry.kind, RevokedEntry.value)):
                (jti if kind == "jti" else sub).add(value)
            return jti, sub
