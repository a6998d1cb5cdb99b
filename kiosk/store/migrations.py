"""Versioned schema. Each step runs once, in order, in one transaction; `PRAGMA user_version`
records the version so upgrades keep all data and a newer database is never opened by
older code."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from kiosk.store import tally
from kiosk.store.errors import DatabaseError

MIGRATIONS: tuple[str, ...] = (
    # 1: initial schema
    """
    CREATE TABLE activity (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, date TEXT NOT NULL,
        venue TEXT NOT NULL DEFAULT '', organiser TEXT NOT NULL DEFAULT '',
        municipality TEXT NOT NULL DEFAULT '', designated INTEGER NOT NULL DEFAULT 1,
        closed_at TEXT, closeout_digest TEXT, closeout_receipt TEXT,
        updated_at TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE checkin (
        id TEXT PRIMARY KEY, activity_id TEXT NOT NULL REFERENCES activity(id),
        registrant TEXT NOT NULL, tier TEXT, method TEXT NOT NULL, jti TEXT, pass_token TEXT,
        scanned_at TEXT NOT NULL, scanned_at_corrected TEXT, clock_trusted INTEGER NOT NULL,
        monotonic_s REAL NOT NULL, session_id TEXT NOT NULL,
        operator TEXT NOT NULL DEFAULT 'gate', voided INTEGER NOT NULL DEFAULT 0,
        sync_status TEXT NOT NULL DEFAULT 'pending', sync_reason TEXT, synced_at TEXT
    );
    -- one live participation per registrant and activity: the database itself forbids doubles
    CREATE UNIQUE INDEX checkin_one_per_registrant
        ON checkin(activity_id, registrant) WHERE voided = 0;
    CREATE INDEX checkin_activity ON checkin(activity_id, scanned_at);
    CREATE TABLE attempt (
        id TEXT PRIMARY KEY, activity_id TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT,
        registrant TEXT, checkin_id TEXT, method TEXT NOT NULL, at TEXT NOT NULL,
        latency_ms REAL NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX attempt_activity ON attempt(activity_id, at);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, operator TEXT NOT NULL,
        action TEXT NOT NULL, activity_id TEXT, checkin_id TEXT, reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_checkin ON audit(checkin_id);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, checkin_id TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
        done_at TEXT
    );
    CREATE INDEX outbox_pending ON outbox(id) WHERE done_at IS NULL;
    CREATE TABLE paperrecord (
        checkin_id TEXT PRIMARY KEY REFERENCES checkin(id), name TEXT NOT NULL,
        contact TEXT NOT NULL, municipality TEXT NOT NULL, purged_at TEXT
    );
    """,
    # 2: sync state — pull cursors (activities since, JWKS ETag, revocations cursor) and the
    # revocations pulled from the national API, so a revoked pass stays rejected after a restart
    """
    CREATE TABLE synccursor (
        name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE TABLE revokedentry (
        kind TEXT NOT NULL, value TEXT NOT NULL, added_at TEXT NOT NULL,
        PRIMARY KEY (kind, value)
    );
    """,
    # 3: corrections (void / restore) for the national API, sent in the order they were made.
    # `seq` is that order. `outbox_seq` is the last outbox row when the correction was made:
    # check-ins up to it are uploaded before it, later ones after it (causal order, so a void
    # frees the registrant on the server before a re-scan of the same person arrives).
    # `outbox.sent_at`: a request carrying the check-in was started, so the server may have it
    # (a check-in voided before that is withdrawn instead of uploaded).
    # Existing rows: every outbox row counts as sent (nobody knows better), and every voided
    # check-in gets its void correction, ordered right after its own upload.
    """
    CREATE TABLE correction (
        id TEXT PRIMARY KEY, checkin_id TEXT NOT NULL REFERENCES checkin(id),
        action TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL, created_at TEXT NOT NULL,
        done_at TEXT, status TEXT NOT NULL DEFAULT 'pending', result_reason TEXT,
        attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
        seq INTEGER NOT NULL UNIQUE, outbox_seq INTEGER NOT NULL
    );
    CREATE INDEX correction_pending ON correction(seq) WHERE status = 'pending';
    CREATE INDEX correction_checkin ON correction(checkin_id);
    ALTER TABLE outbox ADD COLUMN sent_at TEXT;
    UPDATE outbox SET sent_at = COALESCE(done_at, created_at);
    INSERT INTO correction (id, checkin_id, action, reason, at, created_at, seq, outbox_seq)
    SELECT
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
            || substr(lower(hex(randomblob(2))), 2) || '-'
            || substr('89ab', 1 + abs(random() % 4), 1)
            || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
        c.id, 'void',
        COALESCE((SELECT a.reason FROM audit a WHERE a.checkin_id = c.id
                  AND a.action = 'void' ORDER BY a.id DESC LIMIT 1), ''),
        COALESCE((SELECT a.at FROM audit a WHERE a.checkin_id = c.id
                  AND a.action = 'void' ORDER BY a.id DESC LIMIT 1), c.scanned_at),
        COALESCE((SELECT a.at FROM audit a WHERE a.checkin_id = c.id
                  AND a.action = 'void' ORDER BY a.id DESC LIMIT 1), c.scanned_at),
        ROW_NUMBER() OVER (ORDER BY o.id),
        o.id
    FROM checkin c JOIN outbox o ON o.checkin_id = c.id
    WHERE c.voided = 1
    """,
    # 4: true counts. `attested_by` / `attestation_reason`: the coordinator who vouched for a
    # manual or paper record and why (sent as the item's `attestation`; the national system
    # counts such a record only with one). The rest is what the server answered beyond the
    # status: `counts` (the participation counts toward premium; NULL: not answered yet) and,
    # for a duplicate, the first check-in (id, device id and name, when it was scanned).
    # Existing rows: a coordinator's manual or paper record (any operator but the gate's)
    # is attested by that operator with the reason of its audit entry.
    """
    ALTER TABLE checkin ADD COLUMN attested_by TEXT;
    ALTER TABLE checkin ADD COLUMN attestation_reason TEXT;
    ALTER TABLE checkin ADD COLUMN counts INTEGER;
    ALTER TABLE checkin ADD COLUMN first_checkin_id TEXT;
    ALTER TABLE checkin ADD COLUMN first_device_id TEXT;
    ALTER TABLE checkin ADD COLUMN first_device_name TEXT;
    ALTER TABLE checkin ADD COLUMN first_scanned_at TEXT;
    UPDATE checkin SET attested_by = operator, attestation_reason = (
        SELECT a.reason FROM audit a WHERE a.checkin_id = checkin.id
        AND a.action = 'manual_add' ORDER BY a.id LIMIT 1)
    WHERE method IN ('manual', 'paper') AND operator <> 'gate' AND EXISTS (
        SELECT 1 FROM audit a WHERE a.checkin_id = checkin.id AND a.action = 'manual_add'
        AND a.reason <> '')
    """,
    # 5: signed national trust and the app's self check-ins (issue 17). `truststatement` is the
    # last good trust statement (one row): the token as signed, the `TrustState` to verify the
    # next one with, and the anchor pins of the config it was accepted under (a changed pin
    # starts over from the provisioned list). `trustrefusal` keeps the last refusals with their
    # reason. `activitycodekey` names (never holds) the activity code keys kept in the secret
    # store, so past days can be deleted. `servercounts` is the national system's count of an
    # activity's check-ins, gate and app, as last fetched.
    """
    CREATE TABLE truststatement (
        id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL, state TEXT NOT NULL,
        pins TEXT NOT NULL, sequence INTEGER NOT NULL, anchor TEXT NOT NULL,
        issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, key_count INTEGER NOT NULL,
        revocation_count INTEGER NOT NULL, accepted_at TEXT NOT NULL, checked_at TEXT NOT NULL
    );
    CREATE TABLE trustrefusal (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, reason TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE activitycodekey (
        name TEXT PRIMARY KEY, activity_id TEXT NOT NULL, day TEXT NOT NULL,
        stored_at TEXT NOT NULL
    );
    CREATE TABLE servercounts (
        activity_id TEXT PRIMARY KEY, total INTEGER NOT NULL, gate INTEGER NOT NULL,
        app INTEGER NOT NULL, by_method TEXT NOT NULL, digest TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    )
    """,
    # 6: the coordinator PIN's consecutive failures and lock-out deadline (one row), so a
    # restart does not reset the lock-out (kiosk.pin.PinGate, kiosk.store.lockout)
    """
    CREATE TABLE pinlockout (
        id INTEGER PRIMARY KEY CHECK (id = 1), failures INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT, updated_at TEXT NOT NULL
    );
    """,
    # 7: the day's counts as running tallies kept by triggers inside the transactions that
    # change the rows, so reading them costs the same at any size (the scan screen reads them
    # after every decision); backfilled from the rows already there. Generated from the
    # counters' definitions in `kiosk.store.tally`, which are this migration's and never change.
    tally.migration(),
)

SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> Iterator[str]:
    """The statements of a migration, each whole: a trigger's body has `;`s of its own."""
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.replace(";", "").strip():
                yield statement
            statement = ""
    if statement.replace(";", "").strip():
        yield statement  # incomplete: executing it reports the error


def _recount_dropped_tallies(con: sqlite3.Connection) -> None:
    """Recount the tallies when they were dropped (after `.recover`: `kiosk.store.tally`).
    The usual case reads one row and takes no lock."""
    if not tally.needs_rebuild(con):
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        if tally.needs_rebuild(con):
            for statement in statements(tally.REBUILD):
                con.execute(statement)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def migrate(path: Path) -> None:
    """Bring the file at `path` to `SCHEMA_VERSION`, one step per transaction, and recount the
    tallies if they were dropped; refuse a database newer than this software (untouched)."""
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
                for statement in statements(MIGRATIONS[number - 1]):
                    con.execute(statement)
                con.execute(f"PRAGMA user_version = {number}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        _recount_dropped_tallies(con)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open {path}: {exc}. Run `kiosk doctor`.") from exc
    finally:
        con.close()
