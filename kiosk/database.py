"""Open the kiosk's SQLite file: owner-only permissions, WAL, chosen durability, migrations,
and a small pool of plain `sqlite3` connections to it."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.migrations import MIGRATIONS, SCHEMA_VERSION

SYNCHRONOUS_MODES = ("FULL", "NORMAL", "EXTRA")


class DatabaseError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


def _create_private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # also when the file existed with wider permissions


def _migrate(path: Path) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{path} has schema version {version}; this kiosk knows up to {SCHEMA_VERSION}."
                " Update the kiosk software; the database was left untouched."
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            con.execute("BEGIN IMMEDIATE")
            try:
                for statement in MIGRATIONS[number - 1].split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.execute(f"PRAGMA user_version = {number}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open {path}: {exc}. Run `kiosk doctor`.") from exc
    finally:
        con.close()


class Database:
    """A thread-safe pool of `sqlite3` connections to one migrated kiosk database.

    Connections are made on demand and reused: each uses WAL, the given synchronous mode,
    foreign keys, a 10 s busy timeout and autocommit mode (`isolation_level=None`), so callers
    issue `BEGIN IMMEDIATE` / `BEGIN` and `COMMIT` themselves. At most `pool_size` idle
    connections are kept. `close()` closes the idle ones at once and those in use when they
    are given back; it may be called more than once, and a later `connection()` simply opens
    a fresh connection (so a late write from a worker thread still works).
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
        _migrate(path)
        return database

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
