"""What the device pulled from the national API and keeps for offline use: pull cursors
(activities `since`, the trust list's ETag, the revocations cursor) and the revocations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kiosk.store.database import Database
from kiosk.store.tables import iso

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
