"""A database made before true counts (no evidence, attestation, registrations, device contact,
receipt breakdown) is brought up to date in place, and what it held keeps its meaning."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import Session

from sync.server import admin
from sync.server.closeouts import receipt_of
from sync.server.tables import Checkin, Closeout

NEW_CHECKIN_COLUMNS = ("evidenced", "attested_by", "attestation_reason")
NEW_CLOSEOUT_COLUMNS = (
    "received_count",
    "rejected_count",
    "duplicate_count",
    "voided_count",
    "counted_count",
    "combined_counted_count",
    "details",
)
NEW_TABLES = ("registration", "devicecontact", "checkinconflict")
_ROW = (
    "INSERT INTO checkin (id, device_id, activity_id, registrant, method, pass_jti, scanned_at,"
    " clock_trusted, status, received_at, voided) VALUES (?, 'd', 'a', ?, ?, ?,"
    " '2026-11-23 01:00:00', 1, ?, '2026-11-23 01:00:00', 0)"
)


def test_database_from_before_true_counts_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    admin.open_database(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as con:  # make it look like the release before this one
        for column in NEW_CHECKIN_COLUMNS:
            con.execute(f"ALTER TABLE checkin DROP COLUMN {column}")
        for column in NEW_CLOSEOUT_COLUMNS:
            con.execute(f"ALTER TABLE closeout DROP COLUMN {column}")
        for table in NEW_TABLES:
            con.execute(f"DROP TABLE {table}")
        con.execute("DROP INDEX ix_checkin_first_checkin_id")
        con.execute(_ROW, ("scanned", "FR0000000001", "camera", "jti-1", "accepted"))
        con.execute(_ROW, ("typed", "FR0000000002", "manual", None, "accepted"))
        con.execute(_ROW, ("refused", "FR0000000003", "camera", "jti-3", "rejected"))
        con.execute(
            "INSERT INTO closeout (receipt_id, activity_id, device_id, date, device_count,"
            " device_digest, server_digest, server_count, digest_match, combined_unique_count,"
            " received_at) VALUES ('r1', 'a', 'd', '2026-11-23', 2, 'x', 'x', 2, 1, 2,"
            " '2026-11-23 09:00:00')"
        )
    engine = admin.open_database(f"sqlite:///{path}")
    try:
        inspector = inspect(engine)
        assert set(NEW_TABLES) <= set(inspector.get_table_names())
        columns = {c["name"] for c in inspector.get_columns("checkin")}
        assert set(NEW_CHECKIN_COLUMNS) <= columns
        indexes = {i["name"] for i in inspector.get_indexes("checkin")}
        assert {"ix_checkin_first_checkin_id", "one_live_per_registrant"} <= indexes
        with Session(engine) as s:
            rows = [s.get(Checkin, i) for i in ("scanned", "typed", "refused")]
            evidenced = {row.id: row.evidenced for row in rows if row is not None}
            assert evidenced == {"scanned": True, "typed": False, "refused": False}
            old = s.get(Closeout, "r1")
            assert old is not None
            receipt = receipt_of(old)
            assert (receipt.server_count, receipt.counted_count, receipt.unsynced_devices) == (
                2,
                0,
                [],
            )
            assert admin.register(s, "FR0000000001", ["131016"]) == 1
    finally:
        engine.dispose()
    admin.open_database(f"sqlite:///{path}").dispose()  # idempotent
