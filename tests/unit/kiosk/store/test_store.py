"""The durable store and the check-in service on real SQLite files."""

from __future__ import annotations

import dataclasses
import enum
import os
import sqlite3
import stat
import subprocess
import sys
import types
import typing
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.models import Method, Outcome, Reason
from kiosk.store import DatabaseError, NewCheckin, RecordError, Store
from kiosk.store.database import Database
from kiosk.store.migrations import SCHEMA_VERSION
from kiosk.store.tables import TABLES, Activity
from kiosk.undo import undo_at_gate
from tests.builders import checkin_service
from tests.passkit import PassKit

ACTIVITY = "act-2026-11-23-beach"
T0 = datetime(2026, 11, 23, 10, 32, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0, trusted=False)


@pytest.fixture
def service(tmp_path: Path, jwks_file: Path, clock: FixedClock) -> CheckinService:
    return checkin_service(tmp_path / "kiosk.db", jwks_file, ACTIVITY, clock=clock)


def pass_at(kit: PassKit, **claims: Any) -> str:
    window: dict[str, Any] = {"iat": int(T0.timestamp()) - 60, "exp": int(T0.timestamp()) + 86400}
    return kit.sign(**{**window, **claims})


def test_first_scan_accepted_second_is_duplicate_with_first_time(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    token = pass_at(kit, sub="FR7K3M9Q2XPD")
    first = service.submit(token, Method.CAMERA)
    clock.advance(90)
    again = service.submit(token, Method.WEDGE)
    assert first.outcome == Outcome.ACCEPTED
    assert first.checkin_id is not None
    assert again.outcome == Outcome.DUPLICATE
    assert again.reason is None
    assert again.checkin_id == first.checkin_id
    assert again.first_at == T0
    assert again.registrant == "FR7K3M****PD"


def test_another_pass_of_the_same_registrant_is_a_duplicate(
    service: CheckinService, kit: PassKit
) -> None:
    service.submit(pass_at(kit, sub="FR7K3M9Q2XPD", jti="old"), Method.CAMERA)
    again = service.submit(pass_at(kit, sub="FR7K3M9Q2XPD", jti="new"), Method.CAMERA)
    assert again.outcome == Outcome.DUPLICATE


def test_rejections_are_kept_but_count_nowhere(service: CheckinService, kit: PassKit) -> None:
    service.submit("garbage", Method.CAMERA)
    service.submit(pass_at(kit, iss="evil"), Method.CAMERA)
    service.submit(pass_at(kit), Method.CAMERA)
    counts = service.store.records.counts(ACTIVITY)
    assert (counts.accepted, counts.unique_people, counts.rejected) == (1, 1, 2)
    assert counts.rejected_by_reason == {"malformed": 1, "wrong_issuer": 1}
    assert counts.pending_upload == 1
    assert len(service.store.records.attempts(ACTIVITY)) == 3


def test_one_transaction_writes_checkin_audit_and_outbox(
    service: CheckinService, kit: PassKit
) -> None:
    result = service.submit(pass_at(kit), Method.CAMERA)
    assert result.checkin_id is not None
    trail = service.store.records.audit_trail(result.checkin_id)
    assert [a.action for a in trail] == ["checkin"]
    batch = service.store.outbox.claim_batch(10, at=T0)
    assert [item.checkin.id for item in batch] == [result.checkin_id]


def test_timestamps_record_trust_and_correction(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    from datetime import timedelta

    clock.set_server_offset(timedelta(seconds=-42))
    result = service.submit(pass_at(kit), Method.CAMERA)
    stored = service.store.records.checkin(result.checkin_id or "")
    assert stored is not None
    assert stored.clock_trusted is True
    assert stored.scanned_at == T0.isoformat()
    assert stored.scanned_at_corrected == (T0 - timedelta(seconds=42)).isoformat()
    assert stored.monotonic_s >= 0


def test_void_and_restore_are_audited_and_nothing_is_deleted(
    service: CheckinService, kit: PassKit
) -> None:
    token = pass_at(kit)
    checkin_id = service.submit(token, Method.CAMERA).checkin_id or ""
    store = service.store
    with pytest.raises(RecordError, match="reason"):
        store.corrections.void(checkin_id, reason=" ", operator="rmo", at=T0)
    store.corrections.void(checkin_id, reason="wrong person", operator="rmo", at=T0)
    assert store.records.counts(ACTIVITY).accepted == 0
    assert store.records.counts(ACTIVITY).voided == 1
    with pytest.raises(RecordError, match="already voided"):
        store.corrections.void(checkin_id, reason="again", operator="rmo", at=T0)
    store.corrections.restore(checkin_id, reason="it was them", operator="rmo", at=T0)
    assert store.records.counts(ACTIVITY).accepted == 1
    actions = [(a.action, a.reason, a.operator) for a in store.records.audit_trail(checkin_id)]
    assert actions == [
        ("checkin", "", "gate"),
        ("void", "wrong person", "rmo"),
        ("restore", "it was them", "rmo"),
    ]


def test_undo_at_gate_voids_and_allows_a_rescan(service: CheckinService, kit: PassKit) -> None:
    token = pass_at(kit)
    first = service.submit(token, Method.CAMERA)
    undone = undo_at_gate(service, first.checkin_id or "", window_s=120)
    assert undone.allowed
    voided = service.store.records.checkin(first.checkin_id or "")
    assert voided is not None
    assert voided.voided
    again = service.submit(token, Method.CAMERA)
    assert again.outcome == Outcome.ACCEPTED
    assert again.checkin_id != first.checkin_id
    with pytest.raises(RecordError, match="live check-in"):
        service.store.corrections.restore(first.checkin_id or "", reason="r", operator="rmo", at=T0)


def test_manual_and_paper_records(service: CheckinService) -> None:
    store = service.store
    new = NewCheckin(ACTIVITY, "FRPAPER00001", Method.PAPER, T0, True, 0.0, "s", operator="rmo")
    stored = store.records.add_manual(
        new, reason="paper form", paper=("山田 太郎", "090-0000-0000", "131016")
    )
    paper = store.records.paper_record(stored.checkin_id or "")
    assert paper is not None
    assert paper.name == "山田 太郎"
    with pytest.raises(RecordError, match="duplicate"):
        store.records.add_manual(new, reason="again")
    assert store.records.counts(ACTIVITY).accepted == 1


def test_closed_activity_rejects_new_checkins(service: CheckinService, kit: PassKit) -> None:
    service.store.activities.close(ACTIVITY, digest="0" * 64, operator="rmo", at=T0)
    result = service.submit(pass_at(kit), Method.CAMERA)
    assert result.outcome == Outcome.REJECTED
    assert result.reason == Reason.ACTIVITY_CLOSED


def test_unknown_activity_is_rejected(service: CheckinService, kit: PassKit) -> None:
    service.select_activity("no-such-activity")
    assert service.submit(pass_at(kit), Method.CAMERA).reason == Reason.NO_ACTIVITY


def test_upload_results_are_applied(service: CheckinService, kit: PassKit) -> None:
    a = service.submit(pass_at(kit), Method.CAMERA).checkin_id or ""
    b = service.submit(pass_at(kit), Method.CAMERA).checkin_id or ""
    store = service.store
    store.outbox.apply_results([(a, "accepted", None), (b, "duplicate", None)], at=T0)
    counts = store.records.counts(ACTIVITY)
    assert (counts.confirmed, counts.server_duplicates, counts.pending_upload) == (1, 1, 0)
    assert store.outbox.pending_count() == 0


def test_database_file_is_private_and_in_wal_mode(tmp_path: Path, jwks_file: Path) -> None:
    path = tmp_path / "sub" / "kiosk.db"
    service = checkin_service(path, jwks_file, ACTIVITY)
    service.store.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


AFFINITY = {"TEXT": (str,), "INTEGER": (int, bool), "REAL": (float,)}
NO_DEFAULT = "(required)"


def _field_shape(field: dataclasses.Field[Any], hint: Any) -> tuple[str, str, bool, object]:
    """(name, Python type, optional, default) of a dataclass field."""
    args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    base = next(a for a in args if a is not type(None))
    if issubclass(base, enum.StrEnum):  # a status column: its enum's values are the text
        base = str
    default = NO_DEFAULT if field.default is dataclasses.MISSING else field.default
    return (field.name, base.__name__, type(None) in args, default)


def _column_shape(
    con: sqlite3.Connection, cls: type, column: tuple[Any, ...]
) -> tuple[str, str, bool, object]:
    """What the field for a `PRAGMA table_info` row must look like, in `_field_shape` terms."""
    _, name, declared, notnull, default_sql, pk = column
    hints = typing.get_type_hints(cls)
    base = typing.get_args(hints[name]) or (hints[name],)
    python = next((t for t in base if t in AFFINITY[declared]), AFFINITY[declared][0])
    rowid = bool(pk) and declared == "INTEGER"  # INTEGER PRIMARY KEY: the database numbers it
    optional = rowid or (not notnull and not pk)
    if default_sql is not None:
        default = con.execute(f"SELECT {default_sql}").fetchone()[0]
        default = python(default)
    else:
        default = None if optional else NO_DEFAULT
    return (name, python.__name__, optional, default)


def schema_mismatches(con: sqlite3.Connection, table: str, cls: type) -> list[str]:
    """Differences between a row dataclass and its migrated table: column names in order, the
    Python type for the column's type, optional ⇔ nullable, and defaults."""
    assert dataclasses.is_dataclass(cls)
    hints = typing.get_type_hints(cls)
    got = [_field_shape(f, hints[f.name]) for f in dataclasses.fields(cls)]
    columns = con.execute(f"PRAGMA table_info({table})").fetchall()
    if [c[1] for c in columns] != [g[0] for g in got]:
        return [f"{table}: columns {[c[1] for c in columns]} but fields {[g[0] for g in got]}"]
    want = [_column_shape(con, cls, c) for c in columns]
    return [f"{table}: column {w} but field {g}" for w, g in zip(want, got, strict=True) if w != g]


def test_tables_match_the_migrated_schema(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "k.db")
    store.close()
    with sqlite3.connect(tmp_path / "k.db") as con:
        names = {
            row[0]
            for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("sqlite_")
        }
        assert names == set(TABLES)
        for table, cls in TABLES.items():
            assert schema_mismatches(con, table, cls) == []


@dataclasses.dataclass(kw_only=True)
class _MisnamedActivity:  # `when` for `date`
    id: str
    name: str
    when: str


@dataclasses.dataclass(kw_only=True)
class _LooseActivity:  # the right names, but `name` optional and `venue` without its default
    id: str
    name: str | None = None
    date: str
    venue: str
    organiser: str = ""
    municipality: str = ""
    designated: bool = True
    closed_at: str | None = None
    closeout_digest: str | None = None
    closeout_receipt: str | None = None
    updated_at: str = ""


def test_the_schema_check_sees_a_mismatch(tmp_path: Path) -> None:
    Store.open(tmp_path / "k.db").close()
    with sqlite3.connect(tmp_path / "k.db") as con:
        assert schema_mismatches(con, "activity", Activity) == []
        assert schema_mismatches(con, "activity", _MisnamedActivity) != []
        loose = schema_mismatches(con, "activity", _LooseActivity)
        assert len(loose) == 2, loose
        assert schema_mismatches(con, "checkin", TABLES["attempt"]) != []


def test_bool_columns_read_back_as_bool(service: CheckinService, kit: PassKit) -> None:
    checkin_id = service.submit(pass_at(kit), Method.CAMERA).checkin_id or ""
    stored = service.store.records.checkin(checkin_id)
    activity = service.store.activities.get(ACTIVITY)
    assert stored is not None
    assert activity is not None
    assert type(stored.voided) is bool
    assert type(stored.clock_trusted) is bool
    assert type(activity.designated) is bool


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA user_version = 99")
    with pytest.raises(DatabaseError, match="Update the kiosk software"):
        Store.open(path)


def test_reopening_keeps_all_data(tmp_path: Path, jwks_file: Path, kit: PassKit) -> None:
    service = checkin_service(tmp_path / "k.db", jwks_file, ACTIVITY)
    ids = {service.submit(kit.sign(), Method.CAMERA).checkin_id for _ in range(5)}
    service.store.close()
    reopened = checkin_service(tmp_path / "k.db", jwks_file, ACTIVITY)
    assert {c.id for c in reopened.store.records.checkins(ACTIVITY)} == ids


def test_full_disk_rejects_clearly_and_keeps_committed_data(
    tmp_path: Path, jwks_file: Path, kit: PassKit
) -> None:
    path = tmp_path / "k.db"
    service = checkin_service(path, jwks_file, ACTIVITY)
    kept = service.submit(kit.sign(), Method.CAMERA).checkin_id
    service.store.close()
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    full = Store.open(path, max_page_count=pages)
    service = CheckinService(full, service.verifier, service.clock, ACTIVITY)
    results = [service.submit(kit.sign(), Method.CAMERA) for _ in range(40)]
    assert results[-1].outcome == Outcome.REJECTED
    assert results[-1].reason == Reason.STORAGE_FULL
    full.close()
    store = Store.open(path)
    ids = {c.id for c in store.records.checkins(ACTIVITY)}
    assert kept in ids
    stored_ok = {r.checkin_id for r in results if r.outcome == Outcome.ACCEPTED}
    assert stored_ok <= ids
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_kiosk_side_imports_no_orm() -> None:
    """The store is plain sqlite3: SQLAlchemy/SQLModel (~1.3 s of start-up) stay unloaded."""
    code = (
        "import sys, cli.compose, kiosk.checkins, kiosk.store\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_pool_reuses_connections_and_closes_them_all(tmp_path: Path) -> None:
    database = Database.open(tmp_path / "k.db", synchronous="NORMAL")
    with database.connection() as first:
        assert first.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert first.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
        assert first.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        with database.connection() as second:  # one in use: another is made
            assert second is not first
    with database.connection() as again:
        assert again in (first, second)
        database.close()
        database.close()  # twice is fine
        again.execute("SELECT 1")  # a borrowed connection stays usable until given back
    for con in (first, second):
        with pytest.raises(sqlite3.ProgrammingError):
            con.execute("SELECT 1")


def test_a_failed_write_is_rolled_back_and_reads_do_not_wait_for_writes(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "k.db")
    store.activities.upsert(Activity(id=ACTIVITY, name="beach", date="2026-11-23"))

    def change_then_fail() -> None:
        with store.database.write() as cur:
            cur.execute("UPDATE activity SET name = 'lost' WHERE id = ?", (ACTIVITY,))
            raise RecordError("changed my mind")

    with pytest.raises(RecordError):
        change_then_fail()
    with store.database.write() as cur, ThreadPoolExecutor(1) as pool:
        cur.execute("UPDATE activity SET name = 'kept' WHERE id = ?", (ACTIVITY,))
        seen = pool.submit(store.activities.get, ACTIVITY).result(timeout=5)
        assert seen is not None
        assert seen.name == "beach"  # WAL: a reader sees the last commit, without waiting
    now = store.activities.get(ACTIVITY)
    assert now is not None
    assert now.name == "kept"
    store.close()
