"""The kiosk's durable store: plain SQL on the standard library's `sqlite3`, one SQLite file.

`Store` is composed of one part per concern, each in its own module and sharing one
`Database` (connection pool, the one write lock, transactions):

- `store.activities` (`activities.py`): activities, closing a day, the server's receipt;
- `store.records` (`records.py`): the gate's decisions, check-ins, audit trail, paper forms,
  the day's counts;
- `store.corrections` (`corrections.py`): void / restore and their queue for the national API;
- `store.outbox` (`outbox.py`): check-ins waiting for upload and the server's answers;
- `store.pulled` (`pulled.py`): pull cursors, the revocations pulled from the API and the
  names of the activity code keys in the secret store;
- `store.trust` (`trust.py`): the last good national trust statement and refusals since;
- `store.personal_data` (`personal_data.py`): purging personal data after retention;
- `store.pin_lockout` (`lockout.py`): the coordinator PIN's lock-out, across restarts.

Beside them: `database.py` (the pool and transactions), `tables.py` (row types, status enums),
`values.py` (what the methods take and return), `migrations.py` (the versioned schema),
`health.py` (integrity checks without opening the store), `errors.py`.

Composition rather than one class spread over mixins: a call names its concern
(`store.outbox.claim_batch(...)`), so the module that implements it is one hop away, and
each part sees only the shared `Database`, never another part's internals."""

from __future__ import annotations

from pathlib import Path

from kiosk.store.activities import Activities
from kiosk.store.corrections import Corrections
from kiosk.store.database import Database
from kiosk.store.errors import DatabaseError, RecordError, StorageFailed, StorageFull
from kiosk.store.health import verify_before_open
from kiosk.store.lockout import PinLockouts
from kiosk.store.outbox import Outbox
from kiosk.store.personal_data import PersonalData
from kiosk.store.pulled import Pulled
from kiosk.store.records import Records
from kiosk.store.tables import CorrectionStatus, SyncStatus
from kiosk.store.trust import TrustRecords
from kiosk.store.values import (
    Attestation,
    Counts,
    NewCheckin,
    OutboxItem,
    ServerAnswer,
    Stored,
)

__all__ = [
    "Attestation",
    "CorrectionStatus",
    "Counts",
    "DatabaseError",
    "NewCheckin",
    "OutboxItem",
    "RecordError",
    "ServerAnswer",
    "StorageFailed",
    "StorageFull",
    "Store",
    "Stored",
    "SyncStatus",
    "verify_before_open",
]


class Store:
    """All reads and writes of the kiosk database. Safe to share between threads."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.activities = Activities(database)
        self.records = Records(database)
        self.corrections = Corrections(database)
        self.outbox = Outbox(database)
        self.pulled = Pulled(database)
        self.trust = TrustRecords(database)
        self.personal_data = PersonalData(database)
        self.pin_lockout = PinLockouts(database)

    @classmethod
    def open(
        cls, path: Path, *, synchronous: str = "FULL", max_page_count: int | None = None
    ) -> Store:
        return cls(Database.open(path, synchronous=synchronous, max_page_count=max_page_count))

    def close(self) -> None:
        self.database.close()
