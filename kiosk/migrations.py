"""Versioned schema. Each step runs once, in order, in one transaction; `PRAGMA user_version`
records the version so upgrades keep all data and a newer database is never opened by
older code."""

from __future__ import annotations

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
)

SCHEMA_VERSION = len(MIGRATIONS)
