"""What the store raises. Storage errors keep committed data intact; `RecordError` is a
change that cannot be made (its message is a stable code the UI maps to a catalog key)."""

from __future__ import annotations

import sqlite3


class DatabaseError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


class StorageFull(RuntimeError):
    """The disk or the database size limit is full; committed data is intact."""


class StorageFailed(RuntimeError):
    """The database failed (I/O error, corruption); committed data is as it was."""


class RecordError(ValueError):
    """A change that cannot be made (unknown record, already voided, closed day...)."""


def classify(exc: sqlite3.DatabaseError) -> Exception:
    """StorageFull when SQLite says the disk or the size limit is full, else StorageFailed."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "full" in text.lower():
        return StorageFull(text)
    return StorageFailed(text)
