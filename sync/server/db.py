"""Engine creation, schema set-up and the timezone-aware timestamp column type."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Table, event, inspect, text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel, create_engine

DEFAULT_DATABASE_URL = "sqlite:///national-api.db"


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(database_url: str = DEFAULT_DATABASE_URL) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets WAL, FULL sync and a busy timeout.

    The pysqlite driver runs SELECTs outside transactions and begins one at the first write,
    so a long-lived session never holds a stale snapshot that would make a later write fail.
    Races between processes end in a unique-constraint error, which writers retry.
    """
    if database_url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 10}}
        if database_url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(database_url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(database_url, pool_pre_ping=True)


def init_db(engine: Engine) -> None:
    """Create every table that does not exist yet (idempotent), then bring an older database
    up to date: `create_all` adds tables, never columns (sync/server/upgrade.py adds those)."""
    from sync.server import counting_tables, tables  # noqa: F401 (their tables in the metadata)
    from sync.server.upgrade import add_missing_columns

    SQLModel.metadata.create_all(engine)
    _add_voided(engine, tables.Checkin.__table__)  # type: ignore[attr-defined]
    add_missing_columns(engine)  # every later column (after `voided`, which needs its index)


def _add_voided(engine: Engine, checkin: Table) -> None:
    """The first schema change after the first release: `checkin.voided` (corrections) and the
    one-live-participation index that depends on it, replacing the index that ignored it."""
    if "voided" in {c["name"] for c in inspect(engine).get_columns(checkin.name)}:
        return
    with engine.begin() as con:
        con.execute(text("ALTER TABLE checkin ADD COLUMN voided BOOLEAN NOT NULL DEFAULT false"))
        con.execute(text("DROP INDEX IF EXISTS one_accepted_per_registrant"))
        for index in checkin.indexes:
            index.create(con, checkfirst=True)
