"""The coordinator PIN's lock-out, kept in the database so a restart does not forget it: the
`kiosk.pin.LockoutMemory` of `kiosk.pin.PinGate` (one row)."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

from kiosk.pin import LockoutState
from kiosk.store.database import Database
from kiosk.store.errors import StorageFailed, StorageFull
from kiosk.store.tables import PinLockout, iso, select

log = logging.getLogger(__name__)

_SAVE = (
    "INSERT INTO pinlockout (id, failures, locked_until, updated_at) VALUES (1, ?, ?, ?)"
    " ON CONFLICT (id) DO UPDATE SET failures = excluded.failures,"
    " locked_until = excluded.locked_until, updated_at = excluded.updated_at"
)


class PinLockouts:
    """`store.pin_lockout` of a `kiosk.store.Store`. Never raises: a database that cannot be
    read or written is logged, and the PIN gate keeps its lock-out in memory meanwhile."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def load(self) -> LockoutState:
        try:
            row = self._db.row(PinLockout, select(PinLockout, "id = 1"))
        except sqlite3.Error as exc:
            log.warning("cannot read the PIN lock-out: %s", exc)
            return LockoutState()
        if row is None:
            return LockoutState()
        until = datetime.fromisoformat(row.locked_until).timestamp() if row.locked_until else 0.0
        return LockoutState(row.failures, until)

    def save(self, state: LockoutState) -> None:
        now = datetime.now(UTC)
        until = iso(datetime.fromtimestamp(state.locked_until, UTC)) if state.locked_until else None
        try:
            with self._db.write() as cur:
                cur.execute(_SAVE, (state.failures, until, iso(now)))
        except (StorageFull, StorageFailed) as exc:
            log.warning("cannot keep the PIN lock-out across restarts: %s", exc)
