"""Activities on this device: those configured or pulled from the national API, closing a day
(the digest frozen at close, the server's receipt) and the national system's counts of an
activity (gate and app check-ins, as last fetched)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

from kiosk.store.database import Database
from kiosk.store.errors import RecordError
from kiosk.store.records import insert_audit
from kiosk.store.tables import Activity, ServerCounts, as_params, insert_sql, iso, select
from kiosk.text import sanitize


class Activities:
    """`store.activities` of a `kiosk.store.Store`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def upsert(self, activity: Activity) -> None:
        """Add an activity, or update its details (never its close-out) when it is known.
        Its texts come from the config or the national API: sanitised here, once, so every
        screen and export shows them inert."""
        clean = replace(
            activity,
            name=sanitize(activity.name),
            venue=sanitize(activity.venue),
            organiser=sanitize(activity.organiser),
            municipality=sanitize(activity.municipality, 16),
        )
        with self._db.write() as cur:
            cur.execute(
                insert_sql(Activity)
                + " ON CONFLICT (id) DO UPDATE SET name = excluded.name, date = excluded.date,"
                " venue = excluded.venue, organiser = excluded.organiser,"
                " municipality = excluded.municipality, designated = excluded.designated,"
                " updated_at = excluded.updated_at",
                as_params(clean),
            )

    def ensure(self, activity_id: str, name: str, on: date) -> None:
        """Make sure an activity exists locally (the configured one; pulls may add more)."""
        if self.get(activity_id) is None:
            self.upsert(Activity(id=activity_id, name=name, date=on.isoformat()))

    def get(self, activity_id: str) -> Activity | None:
        return self._db.row(Activity, select(Activity, "id = ?"), (activity_id,))

    def by_date(self, on_date: str | None = None) -> list[Activity]:
        """Activities held on a date (ISO), or every activity; ordered by date and name."""
        if on_date is None:
            return self._db.rows(Activity, select(Activity, tail="ORDER BY date, name"))
        sql = select(Activity, "date = ?", "ORDER BY date, name")
        return self._db.rows(Activity, sql, (on_date,))

    def close(self, activity_id: str, *, digest: str, operator: str, at: datetime) -> None:
        """Freeze the activity on this device with the digest of what it counted."""
        with self._db.write() as cur:
            row = cur.execute(
                "SELECT closed_at FROM activity WHERE id = ?", (activity_id,)
            ).fetchone()
            if row is None:
                raise RecordError("no_activity")
            if row[0] is not None:
                raise RecordError("activity_closed")
            cur.execute(
                "UPDATE activity SET closed_at = ?, closeout_digest = ? WHERE id = ?",
                (iso(at), digest, activity_id),
            )
            insert_audit(
                cur, at=iso(at), operator=operator, action="close", activity_id=activity_id
            )

    def store_receipt(self, activity_id: str, receipt: dict[str, object]) -> None:
        text = json.dumps(receipt, ensure_ascii=False)
        with self._db.write() as cur:
            cur.execute(
                "UPDATE activity SET closeout_receipt = ? WHERE id = ?", (text, activity_id)
            )
            if cur.rowcount == 0:
                raise RecordError("no_activity")

    def store_server_counts(self, counts: ServerCounts) -> None:
        """Keep the national system's counts of an activity (the newest fetch wins)."""
        with self._db.write() as cur:
            cur.execute(
                insert_sql(ServerCounts)
                + " ON CONFLICT (activity_id) DO UPDATE SET total = excluded.total,"
                " gate = excluded.gate, app = excluded.app, by_method = excluded.by_method,"
                " digest = excluded.digest, fetched_at = excluded.fetched_at",
                as_params(counts),
            )

    def server_counts(self, activity_id: str) -> ServerCounts | None:
        return self._db.row(ServerCounts, select(ServerCounts, "activity_id = ?"), (activity_id,))
