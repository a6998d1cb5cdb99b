"""Corrections in the kiosk store: written with the void/restore, ordered, settled; migration 3."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.models import Method
from kiosk.store import RecordError, Store
from kiosk.store.migrations import MIGRATIONS, SCHEMA_VERSION
from tests.builders import checkin_service
from tests.passkit import PassKit

ACTIVITY = "act-2026-11-23-beach"
T0 = datetime(2026, 11, 23, 10, 32, tzinfo=UTC)


@pytest.fixture
def service(tmp_path: Path, jwks_file: Path) -> CheckinService:
    return checkin_service(tmp_path / "kiosk.db", jwks_file, ACTIVITY, clock=FixedClock(T0))


def scan(service: CheckinService, kit: PassKit, sub: str | None = None) -> str:
    claims: dict[str, Any] = {"iat": int(T0.timestamp()) - 60, "exp": int(T0.timestamp()) + 86400}
    if sub is not None:
        claims["sub"] = sub
    checkin_id = service.submit(kit.sign(**claims), Method.CAMERA).checkin_id
    assert checkin_id is not None
    return checkin_id


def test_a_void_before_upload_withdraws_the_checkin_and_a_restore_puts_it_back(
    service: CheckinService, kit: PassKit
) -> None:
    store = service.store
    checkin_id = scan(service, kit)
    assert store.outbox.pending_counts() == (1, 0)
    service.undo(checkin_id)
    stored = store.records.checkin(checkin_id)
    assert stored is not None
    assert (stored.voided, stored.sync_status) == (True, "withdrawn")
    [void] = store.corrections.of(checkin_id)
    assert (void.action, void.status, void.result_reason) == ("void", "skipped", "not_uploaded")
    assert void.reason == "undo at gate"
    assert store.outbox.pending_counts() == (0, 0)
    assert store.outbox.claim_batch(10, at=T0) == []  # never uploaded

    store.corrections.restore(checkin_id, reason="it was them", operator="rmo", at=T0)
    stored = store.records.checkin(checkin_id)
    assert stored is not None
    assert (stored.voided, stored.sync_status) == (False, "pending")
    assert [c.status for c in store.corrections.of(checkin_id)] == ["skipped", "skipped"]
    assert [i.checkin.id for i in store.outbox.claim_batch(10, at=T0)] == [checkin_id]
    assert store.outbox.pending_count() == 1


def test_a_void_after_the_upload_started_is_queued_in_order(
    service: CheckinService, kit: PassKit
) -> None:
    store = service.store
    first = scan(service, kit, "FR0000000001")
    [claimed] = store.outbox.claim_batch(10, at=T0)  # a request carrying it is on its way
    service.undo(first)
    rescan = scan(service, kit, "FR0000000001")  # the right person, scanned again
    assert store.outbox.pending_counts() == (2, 1)
    # the re-scan waits for the void; the void waits for its check-in's answer
    assert [i.checkin.id for i in store.outbox.claim_batch(10, at=T0)] == [claimed.checkin.id]
    assert store.corrections.next_batch(10) == []
    store.outbox.apply_results([(first, "accepted", None)], at=T0)
    assert store.outbox.claim_batch(10, at=T0) == []
    [void] = store.corrections.next_batch(10)
    assert (void.checkin_id, void.action, void.status) == (first, "void", "pending")
    assert store.corrections.apply_results([(void.id, "applied", None)], at=T0) == 1
    assert store.corrections.apply_results([(void.id, "applied", None)], at=T0) == 0  # replay
    assert [i.checkin.id for i in store.outbox.claim_batch(10, at=T0)] == [rescan]
    assert store.outbox.pending_counts() == (1, 0)


def test_a_restore_refused_as_conflict_is_no_longer_counted(
    service: CheckinService, kit: PassKit
) -> None:
    store = service.store
    checkin_id = scan(service, kit)
    store.outbox.claim_batch(10, at=T0)
    store.outbox.apply_results([(checkin_id, "accepted", None)], at=T0)
    store.corrections.void(checkin_id, reason="wrong person", operator="rmo", at=T0)
    store.corrections.restore(checkin_id, reason="it was them", operator="rmo", at=T0)
    void, restore = store.corrections.next_batch(10)
    store.corrections.apply_results(
        [(void.id, "applied", None), (restore.id, "rejected", "conflict")], at=T0
    )
    stored = store.records.checkin(checkin_id)
    assert stored is not None
    assert (stored.voided, stored.sync_status, stored.sync_reason) == (
        False,
        "duplicate",
        "conflict",
    )
    counts = store.records.counts(ACTIVITY)
    assert (counts.accepted, counts.confirmed, counts.server_duplicates) == (1, 0, 1)


def test_corrections_of_checkins_the_server_refused_are_settled_locally(
    service: CheckinService, kit: PassKit
) -> None:
    store = service.store
    checkin_id = scan(service, kit)
    store.outbox.claim_batch(10, at=T0)
    service.undo(checkin_id)
    assert store.corrections.settle(at=T0) == 0  # the answer is not in yet
    store.outbox.apply_results([(checkin_id, "rejected", "revoked")], at=T0)
    assert store.corrections.settle(at=T0) == 1
    [void] = store.corrections.of(checkin_id)
    assert (void.status, void.result_reason) == ("skipped", "checkin_rejected")
    store.corrections.restore(checkin_id, reason="r", operator="rmo", at=T0)  # known at once now
    assert [c.status for c in store.corrections.of(checkin_id)] == ["skipped", "skipped"]
    assert store.outbox.pending_counts() == (0, 0)


def test_the_correction_is_written_in_the_same_transaction_as_the_void(
    service: CheckinService, kit: PassKit, tmp_path: Path
) -> None:
    store = service.store
    checkin_id = scan(service, kit)
    with sqlite3.connect(tmp_path / "kiosk.db") as con:
        con.execute(
            "CREATE TRIGGER no_corrections BEFORE INSERT ON correction"
            " BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="disk trouble"):
        service.undo(checkin_id)
    stored = store.records.checkin(checkin_id)
    assert stored is not None
    assert (stored.voided, stored.sync_status) == (False, "pending")  # all or nothing
    assert [a.action for a in store.records.audit_trail(checkin_id)] == ["checkin"]
    with sqlite3.connect(tmp_path / "kiosk.db") as con:
        con.execute("DROP TRIGGER no_corrections")
    service.undo(checkin_id)
    assert [a.action for a in store.records.audit_trail(checkin_id)] == ["checkin", "void"]
    assert len(store.corrections.of(checkin_id)) == 1


def test_a_refused_void_writes_no_correction(service: CheckinService, kit: PassKit) -> None:
    store = service.store
    checkin_id = scan(service, kit)
    with pytest.raises(RecordError):
        store.corrections.restore(checkin_id, reason="not voided", operator="rmo", at=T0)
    store.activities.close(ACTIVITY, digest="0" * 64, operator="rmo", at=T0)
    with pytest.raises(RecordError, match="activity_closed"):
        store.corrections.void(checkin_id, reason="late", operator="rmo", at=T0)
    assert store.corrections.of() == []


def _version_2_database(path: Path) -> None:
    """A kiosk database as the previous release left it: schema 2 with a day of data."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        for script in MIGRATIONS[:2]:
            con.executescript(script)
        con.execute("PRAGMA user_version = 2")
        stamp = T0.isoformat()
        con.execute(
            "INSERT INTO activity (id, name, date) VALUES (?, 'Beach', '2026-11-23')", (ACTIVITY,)
        )
        rows = [  # id, registrant, voided, sync_status, outbox done
            ("c-live-done", "FR0000000001", 0, "accepted", True),
            ("c-void-done", "FR0000000002", 1, "accepted", True),
            ("c-live-pending", "FR0000000003", 0, "pending", False),
            ("c-void-pending", "FR0000000004", 1, "pending", False),
        ]
        for n, (cid, sub, voided, status, done) in enumerate(rows):
            at = (T0 + timedelta(minutes=n)).isoformat()
            con.execute(
                "INSERT INTO checkin (id, activity_id, registrant, method, scanned_at,"
                " clock_trusted, monotonic_s, session_id, voided, sync_status)"
                " VALUES (?, ?, ?, 'camera', ?, 1, ?, 's', ?, ?)",
                (cid, ACTIVITY, sub, at, float(n), voided, status),
            )
            con.execute(
                "INSERT INTO audit (at, operator, action, activity_id, checkin_id)"
                " VALUES (?, 'gate', 'checkin', ?, ?)",
                (at, ACTIVITY, cid),
            )
            con.execute(
                "INSERT INTO outbox (checkin_id, created_at, done_at) VALUES (?, ?, ?)",
                (cid, at, stamp if done else None),
            )
        for cid, reason in (("c-void-pending", "undo at gate"), ("c-void-done", "wrong person")):
            con.execute(
                "INSERT INTO audit (at, operator, action, activity_id, checkin_id, reason)"
                " VALUES (?, 'rmo', 'void', ?, ?, ?)",
                ((T0 + timedelta(hours=1)).isoformat(), ACTIVITY, cid, reason),
            )
        con.execute(
            "INSERT INTO synccursor (name, value, updated_at) VALUES ('activities', '7', ?)",
            (stamp,),
        )
    finally:
        con.close()


def _columns(path: Path, tables: tuple[str, ...]) -> dict[str, str]:
    with sqlite3.connect(path) as con:
        return {
            t: ", ".join(row[1] for row in con.execute(f"PRAGMA table_info({t})")) for t in tables
        }


def _dump(
    path: Path, tables: tuple[str, ...], columns: dict[str, str] | None = None
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of `tables` (only `columns` of each, when given: those of an older schema)."""
    with sqlite3.connect(path) as con:
        return {
            t: sorted(
                con.execute(f"SELECT {(columns or {}).get(t, '*')} FROM {t}").fetchall(), key=repr
            )
            for t in tables
        }


def test_migration_3_keeps_every_row_and_queues_the_voids_it_finds(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    _version_2_database(path)
    kept = ("activity", "checkin", "audit", "attempt", "paperrecord", "synccursor")
    before = _dump(path, (*kept, "outbox"))
    old_columns = _columns(path, kept)  # later migrations add columns to these tables
    store = Store.open(path)
    try:
        assert _dump(path, kept, old_columns) == {t: before[t] for t in kept}
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            outbox = con.execute(
                "SELECT id, checkin_id, created_at, attempts, last_error, done_at, sent_at"
                " FROM outbox ORDER BY id"
            ).fetchall()
        assert [row[:6] for row in outbox] == sorted(before["outbox"])
        # nobody knows whether an old row left the device: all count as sent
        assert all(row[6] == (row[5] or row[2]) for row in outbox)
        corrections = store.corrections.of()
        assert [(c.checkin_id, c.action, c.reason, c.status) for c in corrections] == [
            ("c-void-done", "void", "wrong person", "pending"),
            ("c-void-pending", "void", "undo at gate", "pending"),
        ]
        assert [c.seq for c in corrections] == [1, 2]
        assert all(len(c.id) == 36 and c.id[14] == "4" for c in corrections)
        assert corrections[0].at == (T0 + timedelta(hours=1)).isoformat()
        # each void goes right after its own check-in's upload, before any later check-in
        assert store.outbox.pending_counts() == (2, 2)
        assert store.outbox.claim_batch(10, at=T0) == []
        [first] = store.corrections.next_batch(10)
        assert first.checkin_id == "c-void-done"
        store.corrections.apply_results([(first.id, "applied", None)], at=T0)
        later = ["c-live-pending", "c-void-pending"]
        assert [i.checkin.id for i in store.outbox.claim_batch(10, at=T0)] == later
        store.outbox.apply_results([(cid, "accepted", None) for cid in later], at=T0)
        assert [c.checkin_id for c in store.corrections.next_batch(10)] == ["c-void-pending"]
    finally:
        store.close()
