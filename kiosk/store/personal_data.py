"""Personal data kept only as long as needed: paper-form names and contacts, the free-text
detail of rejected scans and the pass tokens the server never confirmed (the policy is
`kiosk.retention`; confirmed ones are blanked when the server answers, `kiosk.store.outbox`)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from kiosk.models import Outcome
from kiosk.store.database import Database
from kiosk.store.records import insert_audit
from kiosk.store.tables import SyncStatus, iso


class Purged(NamedTuple):
    """How many records one purge blanked."""

    paper_records: int
    attempt_details: int
    pass_tokens: int


class PersonalData:
    """`store.personal_data` of a `kiosk.store.Store`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def purge(self, before: datetime, *, at: datetime, operator: str = "retention") -> Purged:
        """Blank paper-form names/contacts, rejected-attempt details and pass tokens recorded
        before `before`, for activities that are closed and, for paper records and pass
        tokens, check-ins the server has answered (sync_status != pending). Counts and
        registrant ids stay. One transaction with one `purge` audit entry per activity
        touched."""
        if before.tzinfo is None:
            raise ValueError("naive datetime")
        stamp = iso(at)
        touched: dict[str, list[int]] = {}
        tokens: list[str] = []
        with self._db.write() as cur:
            closed = {
                r[0] for r in cur.execute("SELECT id FROM activity WHERE closed_at IS NOT NULL")
            }
            papers: list[str] = []
            for checkin_id, activity_id, scanned_at in cur.execute(
                "SELECT p.checkin_id, c.activity_id, c.scanned_at FROM paperrecord p"
                " JOIN checkin c ON c.id = p.checkin_id"
                " WHERE p.purged_at IS NULL AND c.sync_status != ?",
                (SyncStatus.PENDING.value,),
            ).fetchall():
                # the timestamps carry their offsets: compare them as datetimes, not as text
                if activity_id in closed and datetime.fromisoformat(scanned_at) < before:
                    papers.append(checkin_id)
                    touched.setdefault(activity_id, [0, 0, 0])[0] += 1
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
                    touched.setdefault(activity_id, [0, 0, 0])[1] += 1
            cur.executemany("UPDATE attempt SET detail = '' WHERE id = ?", [(a,) for a in attempts])
            for checkin_id, activity_id, scanned_at in cur.execute(
                "SELECT id, activity_id, scanned_at FROM checkin"
                " WHERE pass_token IS NOT NULL AND sync_status != ?",
                (SyncStatus.PENDING.value,),
            ).fetchall():
                if activity_id in closed and datetime.fromisoformat(scanned_at) < before:
                    tokens.append(checkin_id)
                    touched.setdefault(activity_id, [0, 0, 0])[2] += 1
            cur.executemany(
                "UPDATE checkin SET pass_token = NULL WHERE id = ?", [(c,) for c in tokens]
            )
            for activity_id, (p, a, t) in sorted(touched.items()):
                insert_audit(
                    cur,
                    at=stamp,
                    operator=operator,
                    action="purge",
                    activity_id=activity_id,
                    reason=f"retention: {p} paper records, {a} rejected-scan details,"
                    f" {t} pass tokens",
                )
        return Purged(len(papers), len(attempts), len(tokens))
