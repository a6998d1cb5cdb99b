"""What the device pulled from the national API and keeps for offline use: pull cursors
(activities `since`, the trust statement's ETag, the revocations cursor), the revocations, and
the names of the activity code keys kept in the secret store (never the keys)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kiosk.store.database import Database
from kiosk.store.tables import ActivityCodeKeyName, iso, select

_SET_CURSOR = (
    "INSERT INTO synccursor (name, value, updated_at) VALUES (?, ?, ?)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
)


class Pulled:
    """`store.pulled` of a `kiosk.store.Store`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def cursor(self, name: str) -> str | None:
        value = self._db.value("SELECT value FROM synccursor WHERE name = ?", (name,))
        return None if value is None else str(value)

    def set_cursor(self, name: str, value: str | None, *, at: datetime) -> None:
        """Set (or with None, forget) a pull cursor."""
        with self._db.write() as cur:
            if value is None:
                cur.execute("DELETE FROM synccursor WHERE name = ?", (name,))
            else:
                cur.execute(_SET_CURSOR, (name, value, iso(at)))

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
        stamp = iso(at)
        rows = [("jti", v, stamp) for v in jti] + [("sub", v, stamp) for v in sub]
        with self._db.write() as cur:
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
        with self._db.read() as con:
            for kind, value in con.execute("SELECT kind, value FROM revokedentry"):
                (jti if kind == "jti" else sub).add(value)
        return jti, sub

    # -- activity code keys (their names; the keys live in the secret store) ----------------

    def record_code_key(self, name: str, activity_id: str, day: str, *, at: datetime) -> None:
        with self._db.write() as cur:
            cur.execute(
                "INSERT INTO activitycodekey (name, activity_id, day, stored_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
                " stored_at = excluded.stored_at",
                (name, activity_id, day, iso(at)),
            )

    def code_keys(self, *, before: str | None = None) -> list[ActivityCodeKeyName]:
        """Names of stored code keys (only those for days before `before`, an ISO date)."""
        if before is None:
            return self._db.rows(
                ActivityCodeKeyName, select(ActivityCodeKeyName, tail="ORDER BY day")
            )
        sql = select(ActivityCodeKeyName, "day < ?", "ORDER BY day")
        return self._db.rows(ActivityCodeKeyName, sql, (before,))

    def forget_code_key(self, name: str) -> None:
        with self._db.write() as cur:
            cur.execute("DELETE FROM activitycodekey WHERE name = ?", (name,))
