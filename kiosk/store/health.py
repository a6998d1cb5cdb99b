"""Database health: integrity, writability, schema version, the counts' tallies against a
recount, what waits for upload or purging, and what to do when it fails (`kiosk doctor`, and
`verify_before_open` before the store opens).

Plain `sqlite3` without the store's pool or migrations, so a damaged or full database is
examined without changing it. The recovery texts are the ones docs/operations.md explains
step by step.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from kiosk.models import Outcome
from kiosk.store.errors import DatabaseError
from kiosk.store.migrations import SCHEMA_VERSION
from kiosk.store.tables import (
    CorrectionStatus,
    TrustRefusal,
    TrustStatementRow,
    columns,
    from_row,
)
from kiosk.store.tally import out_of_step

RECOVER_CORRUPT = (
    "stop the kiosk (systemctl stop furusato-kiosk); keep the damaged file; "
    "run `sqlite3 DB '.recover' | sqlite3 DB.recovered` and"
    " `sqlite3 DB.recovered 'DELETE FROM pendingtally'` (the counts are then recounted from the"
    " recovered rows), check it with `kiosk doctor`, then move it into place — or restore the"
    " last backup and re-sync "
    "(docs/operations.md, 'Corrupted database')"
)


def recover_corrupt(path: Path) -> str:
    """RECOVER_CORRUPT with the real file name."""
    return RECOVER_CORRUPT.replace("sqlite3 DB '", f"sqlite3 {path} '").replace(
        "DB.recovered", f"{path}.recovered"
    )


RECOUNT_TALLIES = (
    "stop the kiosk (systemctl stop furusato-kiosk); run `sqlite3 DB 'DELETE FROM pendingtally'`:"
    " the kiosk recounts the day's counts from the rows when it next opens the database"
    " (docs/operations.md, 'Corrupted database')"
)


def recount_tallies(path: Path) -> str:
    """RECOUNT_TALLIES with the real file name."""
    return RECOUNT_TALLIES.replace("sqlite3 DB '", f"sqlite3 {path} '")


RECOVER_FULL = (
    "free space on the disk (remove old logs/exports, `journalctl --vacuum-size=50M`), "
    "upload pending check-ins (`kiosk sync --once`) and run `kiosk purge`; committed "
    "check-ins are safe — scanning resumes by itself once there is space "
    "(docs/operations.md, 'Disk full')"
)


@dataclass(frozen=True, slots=True)
class Integrity:
    ok: bool
    problems: tuple[str, ...]
    schema_version: int | None


@contextlib.contextmanager
def _connect(path: Path, *, timeout: float = 5.0) -> Iterator[sqlite3.Connection]:
    if not path.exists():
        raise DatabaseError(f"{path} does not exist; run `kiosk provision` to create it")
    uri = f"file:{quote(str(path))}?mode=rw"
    con = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    try:
        yield con
    finally:
        con.close()


def integrity(path: Path, *, limit: int = 20, quick: bool = False) -> Integrity:
    """`PRAGMA integrity_check` (or the faster `quick_check`, which skips comparing indexes
    with their tables), at most `limit` problems. Raises DatabaseError only when the file
    cannot be opened at all; a damaged file is reported as `ok=False`."""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        with _connect(path) as con:
            try:
                version = int(con.execute("PRAGMA user_version").fetchone()[0])
                rows = con.execute(f"PRAGMA {pragma}({int(limit)})").fetchall()
            except sqlite3.DatabaseError as exc:
                return Integrity(False, (str(exc),), None)
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"cannot open {path}: {exc}") from None
    problems = tuple(str(r[0]) for r in rows if str(r[0]) != "ok")
    return Integrity(not problems, problems, version)


def writable(path: Path) -> str | None:
    """None when a write transaction can start; otherwise why not."""
    try:
        with _connect(path, timeout=2.0) as con:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return str(exc)
    return None


def tallies_out_of_step(path: Path) -> list[str]:
    """Activities (and "pending") whose counts, as the tallies keep them, differ from a recount
    of the rows (`kiosk.store.tally.out_of_step`); none before schema version 7 or when the
    tallies were dropped (the store recounts them when it opens the file)."""
    with _connect(path) as con:
        if (
            con.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pendingtally'"
            ).fetchone()
            is None
        ):
            return []
        return out_of_step(con)


def pending_uploads(path: Path) -> tuple[int, str | None, str | None]:
    """(pending outbox rows, oldest created_at, last upload error)."""
    with _connect(path) as con:
        count, oldest = con.execute(
            "SELECT count(*), min(created_at) FROM outbox WHERE done_at IS NULL"
        ).fetchone()
        error = con.execute(
            "SELECT last_error FROM outbox WHERE done_at IS NULL AND last_error IS NOT NULL"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return int(count), oldest, error[0] if error else None


def pending_corrections(path: Path) -> int:
    """Voids and restores not yet sent to the national API (0 before schema version 3)."""
    with _connect(path) as con:
        if (
            con.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'correction'"
            ).fetchone()
            is None
        ):
            return 0
        return int(
            con.execute(
                "SELECT count(*) FROM correction WHERE status = ?",
                (CorrectionStatus.PENDING.value,),
            ).fetchone()[0]
        )


def personal_data_due(path: Path, before: str) -> int:
    """Paper records and rejected-scan details of closed activities recorded before `before`
    (ISO 8601 UTC) that are still unpurged (synced or not)."""
    with _connect(path) as con:
        papers = con.execute(
            "SELECT count(*) FROM paperrecord p JOIN checkin c ON c.id = p.checkin_id"
            " JOIN activity a ON a.id = c.activity_id"
            " WHERE p.purged_at IS NULL AND a.closed_at IS NOT NULL AND c.scanned_at < ?",
            (before,),
        ).fetchone()[0]
        attempts = con.execute(
            "SELECT count(*) FROM attempt t JOIN activity a ON a.id = t.activity_id"
            " WHERE t.outcome = ? AND t.detail != '' AND a.closed_at IS NOT NULL"
            " AND t.at < ?",
            (Outcome.REJECTED.value, before),
        ).fetchone()[0]
    return int(papers) + int(attempts)


START_UP_FULL_CHECK_BYTES = 16 * 2**20
"""Up to this size start-up runs the whole `quick_check`: about 1.5 ms per MB here (100,000
check-ins are ~100 MB: 0.15 s), several times that on a Raspberry Pi's SD card."""

LOG_TABLES = frozenset({"checkin", "audit", "outbox", "attempt"})
"""The tables that grow with every scan. In a database above START_UP_FULL_CHECK_BYTES,
start-up reads their newest row (the pages the next insert writes to) instead of walking them."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def start_up_integrity(
    path: Path, *, full_check_bytes: int = START_UP_FULL_CHECK_BYTES
) -> Integrity:
    """The integrity check start-up can afford, whatever the database's size.

    Up to `full_check_bytes`: the whole `quick_check`. Above: the header and the
    schema (reading them fails on a file that is not a database or whose first page is
    damaged), `quick_check` of every table except the scan logs (LOG_TABLES), and the newest
    row of each log. Damage deep inside a large log is then
    found by `kiosk doctor` (full `integrity_check`), by `kiosk purge` and `kiosk provision`,
    or by SQLite itself when a statement reads the damaged page (the store then fails loudly
    instead of deciding). Raises DatabaseError only when the file cannot be opened at all.
    """
    size = path.stat().st_size
    if size <= full_check_bytes:
        return integrity(path, limit=5, quick=True)
    try:
        with _connect(path) as con:
            try:
                version = int(con.execute("PRAGMA user_version").fetchone()[0])
                tables = [
                    str(row[0])
                    for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                ]
                rows: list[tuple[object, ...]] = []
                for table in tables:
                    if table in LOG_TABLES:
                        newest = f"SELECT * FROM {_quoted(table)} ORDER BY rowid DESC LIMIT 1"
                        con.execute(newest).fetchone()
                    else:
                        rows += con.execute(f"PRAGMA quick_check({_quoted(table)})").fetchall()
            except sqlite3.DatabaseError as exc:
                return Integrity(False, (str(exc),), None)
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"cannot open {path}: {exc}") from None
    found = tuple(str(r[0]) for r in rows if str(r[0]) != "ok")
    return Integrity(not found, found, version)


def verify_before_open(path: Path, *, quick: bool = False) -> None:
    """Raise DatabaseError with recovery steps when an existing database is damaged or newer
    than this software (commands call this before `Store.open`). `quick`: the bounded
    start-up check (`start_up_integrity`) instead of the full `integrity_check`."""
    if not path.exists():
        return
    result = start_up_integrity(path) if quick else integrity(path, limit=5)
    if not result.ok:
        first = result.problems[0] if result.problems else "integrity check failed"
        raise DatabaseError(f"{path} is damaged ({first}). Recovery: {recover_corrupt(path)}")
    if result.schema_version is not None and result.schema_version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{path} has schema version {result.schema_version}; this kiosk knows up to"
            f" {SCHEMA_VERSION}. Update the kiosk software."
        )


def saved_trust(path: Path) -> tuple[TrustStatementRow | None, TrustRefusal | None]:
    """The last good trust statement and the newest refusal (None, None on a database from
    before signed trust)."""
    with _connect(path) as con:
        try:
            row = con.execute(
                f"SELECT {columns(TrustStatementRow)} FROM truststatement WHERE id = 1"
            ).fetchone()
            refusal = con.execute(
                f"SELECT {columns(TrustRefusal)} FROM trustrefusal ORDER BY id DESC LIMIT 1"
            ).fetchone()
        except sqlite3.OperationalError:  # no such table: an older schema
            return None, None
    return (
        from_row(TrustStatementRow, row) if row is not None else None,
        from_row(TrustRefusal, refusal) if refusal is not None else None,
    )
