"""The start-up integrity check is bounded: whole `quick_check` for a small database, the
schema, the small tables and the newest end of the scan logs for a large one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.models import Method, Outcome
from kiosk.store import DatabaseError
from kiosk.store.health import integrity, start_up_integrity, verify_before_open
from tests.builders import checkin_service
from tests.passkit import PassKit

ACTIVITY = "act-start-up"


@pytest.fixture
def database(tmp_path: Path, jwks_file: Path, kit: PassKit) -> Path:
    """A closed-down database with 300 accepted check-ins (a few dozen pages of logs)."""
    path = tmp_path / "kiosk.db"
    service = checkin_service(path, jwks_file, ACTIVITY, synchronous="NORMAL")
    for _ in range(300):
        assert service.submit(kit.sign(), Method.CAMERA).outcome is Outcome.ACCEPTED
    service.store.close()
    for suffix in ("-wal", "-shm"):  # folded in by the clean close
        assert not Path(f"{path}{suffix}").exists() or Path(f"{path}{suffix}").stat().st_size == 0
    return path


def page_of(database: Path, table: str) -> tuple[int, int]:
    """(root page number, page size) of a table."""
    con = sqlite3.connect(database)
    try:
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        size = con.execute("PRAGMA page_size")
        return int(root.fetchone()[0]), int(size.fetchone()[0])
    finally:
        con.close()


def overwrite_page(database: Path, number: int, page_size: int) -> None:
    with database.open("r+b") as handle:
        handle.seek((number - 1) * page_size)
        handle.write(b"\xa5" * page_size)


def test_a_healthy_database_passes_both_forms(database: Path) -> None:
    assert start_up_integrity(database).ok
    bounded = start_up_integrity(database, full_check_bytes=0)
    assert bounded.ok
    assert bounded.schema_version == integrity(database).schema_version


def test_a_large_database_still_has_its_small_tables_checked(database: Path) -> None:
    overwrite_page(database, *page_of(database, "activity"))
    bounded = start_up_integrity(database, full_check_bytes=0)
    assert not bounded.ok
    assert bounded.problems
    with pytest.raises(DatabaseError, match="is damaged"):
        verify_before_open(database, quick=True)


def test_damage_deep_in_a_large_log_is_left_to_the_full_check(database: Path) -> None:
    """What start-up no longer sees for a large file: `kiosk doctor`'s full check does."""
    _, page_size = page_of(database, "checkin")
    pages = database.stat().st_size // page_size
    overwrite_page(database, pages // 2, page_size)
    assert start_up_integrity(database, full_check_bytes=0).ok
    assert not start_up_integrity(database).ok  # this small file is checked whole at start-up
    assert not integrity(database).ok
