"""What every part of the store shares: the engine, one write lock, transactions, errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session


class StorageFull(RuntimeError):
    """The disk or the database size limit is full; committed data is intact."""


class StorageFailed(RuntimeError):
    """The database failed (I/O error, corruption); committed data is as it was."""


class RecordError(ValueError):
    """A correction that cannot be made (unknown record, already voided, closed day...)."""


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return at.isoformat()


def _classify(exc: OperationalError) -> Exception:
    text = str(exc.orig).lower()
    if "full" in text:
        return StorageFull(str(exc.orig))
    return StorageFailed(str(exc.orig))


class StoreBase:
    """The engine and the write lock; subclasses add the reads and writes of one concern."""

    """All reads and writes of the kiosk database. Safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_lock = threading.Lock()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction; storage errors become StorageFull / StorageFailed."""
        with self._write_lock, Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise _classify(exc) from exc

    def _read(self) -> Session:
        return Session(self.engine, expire_on_commit=False)
