"""The kiosk's SQLite file: owner-only permissions, WAL, the chosen durability, migrations, a
small pool of plain `sqlite3` connections, the one write lock and the transactions every part
of the store uses.

Every write is `BEGIN IMMEDIATE … COMMIT` under the one write lock (so a decision and its rows
are one transaction, never interleaved with another write of this process); reads never take
the lock, so WAL lets them run while the gate writes."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kiosk.store.errors import classify
from kiosk.store.migrations import migrate
from kiosk.store.tables import R, from_row

SYNCHRONOUS_MODES = ("FULL", "NORMAL", "EXTRA")


def _create_private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # also when the file existed with wider permissions


class Database:
    """A thread-safe pool of `sqlite3` connections to one migrated kiosk database.

    Connections are made on demand and reused: each uses WAL, the given synchronous mode,
    foreign keys, a 10 s busy timeout and autocommit mode (`isolation_level=None`), so the
    transactions below issue `BEGIN IMMEDIATE` / `BEGIN` and `COMMIT` themselves. At most
    `pool_size` idle connections are kept. `close()` closes the idle ones at once and those in
    use when they are given back; it may be called more than once, and a later `connection()`
    simply opens a fresh connection (so a late write from a worker thread still works).
    """

    def __init__(
        self,
        path: Path,
        *,
        synchronous: str = "FULL",
        max_page_count: int | None = None,
        pool_size: int = 4,
    ) -> None:
        if synchronous not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}")
        self.path = path
        self.synchronous = synchronous
        self.max_page_count = max_page_count
        self._pool_size = pool_size
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._generation = 0  # bumped by close(): older connections are closed on return

    @classmethod
    def open(
        cls, path: Path, *, synchronous: str = "FULL", max_page_count: int | None = None
    ) -> Database:
        """Create the file owner-only if needed, migrate it, and pool connections to it.

        `max_page_count` caps the file size (tests use it to simulate a full disk).
        """
        database = cls(path, synchronous=synchronous, max_page_count=max_page_count)
        _create_private_file(path)
        migrate(path)
        return database

    # -- the pool ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, check_same_thread=False, timeout=10, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute(f"PRAGMA synchronous={self.synchronous}")
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("PRAGMA busy_timeout=10000")
            if self.max_page_count is not None:
                con.execute(f"PRAGMA max_page_count={int(self.max_page_count)}")
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """Borrow a connection; it goes back to the pool (rolled back if a transaction was
        left open) or is closed when the pool is full or was closed meanwhile."""
        with self._lock:
            con = self._idle.pop() if self._idle else None
            generation = self._generation
        if con is None:
            con = self._connect()
        try:
            yield con
        finally:
            self._give_back(con, generation)

    def _give_back(self, con: sqlite3.Connection, generation: int) -> None:
        keep = True
        if con.in_transaction:
            try:
                con.rollback()
            except sqlite3.Error:
                keep = False  # a connection that cannot roll back is not reused
        with self._lock:
            keep = keep and generation == self._generation and len(self._idle) < self._pool_size
            if keep:
                self._idle.append(con)
        if not keep:
            con.close()

    def close(self) -> None:
        """Close every idle connection now and every borrowed one when it is given back."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._generation += 1
        for con in idle:
            con.close()

    # -- transactions -----------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction, rolled back on any exception. IntegrityError passes through
        (callers turn it into a RecordError where it means one); other storage errors become
        StorageFull (the message says "full") or StorageFailed."""
        try:
            with self._write_lock, self.connection() as con:
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
            raise classify(exc) from exc

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A pooled connection in autocommit mode: each statement sees one consistent state."""
        with self.connection() as con:
            yield con

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several SELECTs that see one and the same committed state."""
        with self.connection() as con:
            con.execute("BEGIN")
            yield con  # on an exception the pool rolls the read transaction back
            con.execute("COMMIT")

    def rows(self, cls: type[R], sql: str, params: Sequence[Any] = ()) -> list[R]:
        """Rows of `cls` from a SELECT of `columns(cls)`."""
        with self.read() as con:
            return [from_row(cls, row) for row in con.execute(sql, params)]

    def row(self, cls: type[R], sql: str, params: Sequence[Any] = ()) -> R | None:
        with self.read() as con:
            found = con.execute(sql, params).fetchone()
        return None if found is None else from_row(cls, found)

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        with self.read() as con:
            found = con.execute(sql, params).fetchone()
        return None if found is None else found[0]
