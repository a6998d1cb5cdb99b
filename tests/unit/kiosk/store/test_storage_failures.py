"""A full disk and a damaged database: detected, explained, committed data kept (issue 8)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli.main import main
from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.models import Method, Outcome, Reason
from kiosk.passes import PassVerifier, load_jwks_file
from kiosk.store import DatabaseError, Store
from kiosk.store.health import integrity, verify_before_open
from tests.builders import checkin_service
from tests.devices import ACTIVITY, T0, device_config, run_kiosk, scan_many
from tests.passkit import PassKit, registrant_id


@pytest.fixture
def filled(tmp_path: Path, jwks_file: Path, kit: PassKit) -> tuple[Path, list[str]]:
    """A closed-down database file with 40 accepted check-ins."""
    database = tmp_path / "data" / "kiosk.db"
    service = checkin_service(database, jwks_file, ACTIVITY, clock=FixedClock(T0))
    ids = scan_many(service, kit, 40)
    service.store.close()
    return database, ids


def page_count(path: Path) -> int:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return int(con.execute("PRAGMA page_count").fetchone()[0])
    finally:
        con.close()


def test_full_database_rejects_with_storage_full_and_keeps_committed_checkins(
    filled: tuple[Path, list[str]], jwks_file: Path, kit: PassKit
) -> None:
    database, committed = filled
    store = Store.open(database, max_page_count=page_count(database) + 2)
    service = CheckinService(
        store, PassVerifier(load_jwks_file(jwks_file)), FixedClock(T0), ACTIVITY
    )
    results = []
    for _ in range(400):
        token = kit.sign(
            sub=registrant_id(), iat=int(T0.timestamp()) - 60, exp=int(T0.timestamp()) + 86400
        )
        results.append(service.submit(token, Method.CAMERA))
        if results[-1].reason is Reason.STORAGE_FULL:
            break
    store.close()
    full = results[-1]
    assert (full.outcome, full.reason, full.checkin_id) == (
        Outcome.REJECTED,
        Reason.STORAGE_FULL,
        None,
    )
    accepted = [r.checkin_id for r in results if r.outcome is Outcome.ACCEPTED]
    reopened = Store.open(database)  # no limit: "the disk was freed"
    try:
        ids = {c.id for c in reopened.records.checkins(ACTIVITY)}
        assert ids == set(committed) | set(accepted)  # every committed check-in survived
        assert reopened.records.counts(ACTIVITY).accepted == len(committed) + len(accepted)
        assert reopened.outbox.pending_count() == len(ids)
    finally:
        reopened.close()
    assert integrity(database).ok


def test_doctor_explains_recovery_from_a_full_disk(
    filled: tuple[Path, list[str]], tmp_path: Path, jwks_file: Path
) -> None:
    database, _ = filled
    config = device_config(
        tmp_path,
        jwks_file,
        database=database,
        extra="[storage]\nmin_free_mb = 1000000\n",  # more than any test disk has free
    )
    done = run_kiosk("doctor", "--config", str(config), "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    disk = next(c for c in report["checks"] if c["name"] == "disk")
    assert disk["status"] == "fail"
    assert "below the 1000000 MB minimum" in disk["summary"]
    assert "kiosk sync --once" in disk["fix"]
    assert "committed check-ins are safe" in disk["fix"]
    database_check = next(c for c in report["checks"] if c["name"] == "database")
    assert database_check["status"] == "ok"


def damage(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    size = target.stat().st_size
    with target.open("r+b") as handle:
        handle.seek(size // 2)
        handle.write(b"\xde\xad\xbe\xef" * 1024)
    return target


def test_damaged_copy_is_detected_by_doctor_and_by_opening(
    filled: tuple[Path, list[str]],
    tmp_path: Path,
    jwks_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database, _ = filled
    assert page_count(database) > 4  # its middle is table data, not the header
    broken = damage(database, tmp_path / "broken.db")
    result = integrity(broken)
    assert not integrity(broken, quick=True).ok  # the cheap start-up variant sees it too
    assert not result.ok
    assert result.problems
    with pytest.raises(DatabaseError, match=r"is damaged .*Recovery: stop the kiosk"):
        verify_before_open(broken)
    config = device_config(tmp_path, jwks_file, database=broken)

    doctor = run_kiosk("doctor", "--config", str(config))
    assert doctor.returncode == 1
    line = next(x for x in doctor.stdout.splitlines() if " database " in f" {x} ")
    assert line.startswith("✗ database")
    assert "is damaged" in line
    assert ".recover" in doctor.stdout
    assert "docs/operations.md" in doctor.stdout
    assert "Traceback" not in doctor.stdout + doctor.stderr

    assert main(["purge", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kiosk purge: ")
    assert "is damaged" in err
    assert len(err.strip().splitlines()) == 1

    assert main(["provision", str(config), "--pin", "739104"]) == 2
    assert "is damaged" in capsys.readouterr().err
    assert database.exists()
    assert integrity(database).ok
