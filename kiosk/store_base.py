"""What every part of the store shares: the connection pool, one write lock, transactions,
errors and row reads. The store is plain SQL on `sqlite3`; the SQL names the columns of
`kiosk.tables`, and `test_tables_match_the_migrated_schema` and the store tests keep them in
step with `kiosk.migrations`."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from kiosk.database import Database
from kiosk.tables import R, columns, from_row, table_name


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


def _classify(exc: sqlite3.DatabaseError) -> Exception:
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "full" in text.lower():
        return StorageFull(text)
    return StorageFailed(text)


def _select(cls: type[R], where: str = "", tail: str = "") -> str:
    """`SELECT <every column of cls, in field order> FROM <its table> [WHERE …] [tail]`."""
    sql = f"SELECT {columns(cls)} FROM {table_name(cls)}"
    if where:
        sql += f" WHERE {where}"
    return f"{sql} {tail}" if tail else sql


class StoreBase:
    """All reads and writes of the kiosk database. Safe to share between threads.

    The pool and the write lock; subclasses add the reads and writes of one concern.
    Every write is `BEGIN IMMEDIATE … COMMIT` under the one write lock (so a decision and its
    rows are one transaction, never interleaved with another write of this process); reads
    never take the lock, so WAL lets them run while the gate writes.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._write_lock = threading.Lock()

    def close(self) -> None:
        self.database.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction, rolled back on any exception. IntegrityError passes through
        (callers turn it into a RecordError where it means one); other storage errors become
        StorageFull (the message says "full") or StorageFailed."""
        try:
            with self._write_lock, self.database.connection() as con:
                cursor = con.cursor()
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    yield cursor
                    cursor.execute("COMMIT")
                except BaseException:
                    if con.in_transaction:
                        # if even this fails, the pool does not reuse the connection
                        with contextlib.suppress(sqlite3.Error):
                            con.rollback()
                    raise
                finally:
                    cursor.close()
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as exc:
            raise _classify(exc) from exc

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A pooled connection in autocommit mode: each statement sees one consistent state."""
        with self.database.connection() as con:
            yield con

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several SELECTs that see one and the same committed state."""
        with self.database.connection() as con:
            con.execute("BEGIN")
            yield con  # on an exception the pool rolls the read transaction back
            con.execute("COMMIT")

    def _all(self, cls: type[R], sql: str, params: Sequence[Any] = ()) -> list[R]:
        """Rows of `cls` from a SELECT of `columns(cls)`."""
        with self._read() as con:
            return [from_row(cls, row) for row in con.execute(sql, params)]

    def _one(self, cls: type[R], sql: str, params: Sequence[Any] = ()) -> R | None:
        with self._read() as con:
            row = con.execute(sql, params).fetchone()
        return None if row is None else from_row(cls, row)

    def _value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        with self._read() as con:
            row = con.execute(sql, params).fetchone()
        return None if row is None else row[0]
