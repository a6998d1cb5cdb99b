"""Open the kiosk's SQLite file: owner-only permissions, WAL, chosen durability, migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

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


def open_engine(
    path: Path, *, synchronous: str = "FULL", max_page_count: int | None = None
) -> Engine:
    """Engine whose connections use WAL, the given synchronous mode and explicit BEGIN IMMEDIATE.

    `max_page_count` caps the file size (tests use it to simulate a full disk).
    """
    if synchronous not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}")
    _create_private_file(path)
    _migrate(path)
    engine = create_engine(
        f"sqlite:///{path}",
        poolclass=QueuePool,
        pool_size=4,
        connect_args={"check_same_thread": False, "timeout": 10},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit transactions defer locking).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if max_page_count is not None:
            cursor.execute(f"PRAGMA max_page_count={int(max_page_count)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
