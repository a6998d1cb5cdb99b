"""The day's counts as running tallies that SQLite keeps itself (schema migration 7).

Why: the scan screen shows the counts again after every decision, and recounting them from
the rows (`COUNT(DISTINCT …)`, a `SUM` per status, `GROUP BY` reason over `checkin` and
`attempt`) costs time in proportion to the day: ~165 ms of CPU at 100,000 check-ins here,
over half a second on a Raspberry Pi, after every scan. Reading the tallies costs ~0.05 ms at
any size (`make bench BENCH=counts`); the triggers add ~0.05 ms of CPU to a decision.

How: triggers on `checkin` and `attempt` (and on `outbox` and `correction` for the device's
pending uploads) add each row's contribution when it is inserted, take it away when it is
deleted, and on an update of a column a counter depends on take away the old row's and add the
new row's. They run inside the very transaction that changes the rows, so a reader sees the
rows and their tallies at one and the same committed state, whichever code, process or raw SQL
made the change — there is no second write path to forget. Migration 7 backfills the tallies
from the rows already there, with the same predicates.

The tallies are the one source of the counts: the scan screen, the coordinator's day view,
the close-out the coordinator signs and the exports all read `Records.counts`, which reads
them. A property test (`tests/unit/kiosk/store/test_tally.py`) drives random sequences of store
operations and compares them with a recount from the raw rows after every step; `kiosk doctor`
compares them with a recount on the device.

The definitions below *are* migration 7 (it is generated from them): they never change. A new
or different counter is a new migration that drops and recreates these triggers and backfills.
Not counted by triggers: rows that `INSERT OR REPLACE` deletes while `recursive_triggers` is
off (SQLite fires no delete trigger then); the store never replaces these rows.
"""

from __future__ import annotations

import sqlite3

from kiosk.store.tables import ActivityTally, from_row, select
from kiosk.store.values import Counts

Counters = tuple[tuple[str, str], ...]
"""(column of `activitytally`, predicate over a row `{r}` that is 0 or 1, never NULL)"""
ReasonRule = tuple[str, str, str]
"""(table, predicate over a row `{r}`, the reason key of such a row)"""

_LIVE = "{r}.voided = 0"

CHECKIN_COUNTERS: Counters = (
    ("live", _LIVE),
    ("voided", "{r}.voided = 1"),
    ("pending_upload", _LIVE + " AND {r}.sync_status = 'pending'"),
    ("confirmed", _LIVE + " AND {r}.sync_status = 'accepted'"),
    ("server_duplicates", _LIVE + " AND {r}.sync_status = 'duplicate'"),
    ("server_rejected", _LIVE + " AND {r}.sync_status = 'rejected'"),
    ("premium", _LIVE + " AND {r}.tier IS 'premium'"),
    ("counted", _LIVE + " AND {r}.sync_status = 'accepted' AND {r}.counts IS 1"),
    ("not_counted", _LIVE + " AND {r}.sync_status = 'accepted' AND {r}.counts IS 0"),
    (
        "unattested",
        _LIVE + " AND {r}.method IN ('manual', 'paper')"
        " AND ({r}.attested_by IS NULL OR {r}.attestation_reason IS NULL)",
    ),
)
ATTEMPT_COUNTERS: Counters = (
    ("duplicates", "{r}.outcome = 'duplicate'"),
    ("rejected", "{r}.outcome = 'rejected'"),
)
# The `reasontally` rows: per activity, "gate" counts rejected attempts by reason and "server"
# counts live check-ins the national API refused by its reason. A missing or empty reason is
# counted as "unknown" (one key, however it was stored).
_GATE_REASON: ReasonRule = (
    "attempt",
    "{r}.outcome = 'rejected'",
    "COALESCE(NULLIF({r}.reason, ''), 'unknown')",
)
_SERVER_REASON: ReasonRule = (
    "checkin",
    _LIVE + " AND {r}.sync_status = 'rejected'",
    "COALESCE(NULLIF({r}.sync_reason, ''), 'unknown')",
)
# Columns whose update can change a counter (an UPDATE of others fires nothing: syncing's
# timestamps, the pass token purge, an attempt's detail purge).
_CHECKIN_COLUMNS = (
    "activity_id, voided, sync_status, sync_reason, tier, method, counts, attested_by,"
    " attestation_reason"
)
_ATTEMPT_COLUMNS = "activity_id, outcome, reason"


def _adjust(counters: Counters, r: str, sign: str) -> str:
    """`UPDATE activitytally` adding (`sign` "+") or taking away ("-") row `r`'s counts."""
    sets = ", ".join(f"{col} = {col} {sign} ({pred.format(r=r)})" for col, pred in counters)
    return f"UPDATE activitytally SET {sets} WHERE activity_id = {r}.activity_id;"


def _reason(side: str, rule: ReasonRule, r: str, sign: str) -> str:
    """Add row `r` to its reason's tally, or take it away (the row then exists)."""
    _, pred, key = (part.format(r=r) for part in rule)
    if sign == "-":
        return (
            f"UPDATE reasontally SET n = n - 1 WHERE activity_id = {r}.activity_id"
            f" AND side = '{side}' AND reason = {key} AND ({pred});"
        )
    return (
        "INSERT INTO reasontally (activity_id, side, reason, n)"
        f" SELECT {r}.activity_id, '{side}', {key}, 1 WHERE {pred}"
        " ON CONFLICT (activity_id, side, reason) DO UPDATE SET n = n + 1;"
    )


def _triggers(table: str, columns: str, counters: Counters, side: str, rule: ReasonRule) -> str:
    """Insert, delete and update triggers keeping an activity's tallies of `table`'s rows."""
    made = "INSERT OR IGNORE INTO activitytally (activity_id) VALUES (NEW.activity_id);"
    add = f"{made} {_adjust(counters, 'NEW', '+')} {_reason(side, rule, 'NEW', '+')}"
    take = f"{_adjust(counters, 'OLD', '-')} {_reason(side, rule, 'OLD', '-')}"
    return f"""
    CREATE TRIGGER {table}_tally_insert AFTER INSERT ON {table} BEGIN {add} END;
    CREATE TRIGGER {table}_tally_delete AFTER DELETE ON {table} BEGIN {take} END;
    CREATE TRIGGER {table}_tally_update AFTER UPDATE OF {columns} ON {table}
    BEGIN {take} {add} END;
    """


def _pending_triggers(table: str, column: str, pending: str, counter: str) -> str:
    """Triggers keeping `pendingtally.<counter>` = the rows of `table` where `pending`."""
    new, old = pending.format(r="NEW"), pending.format(r="OLD")
    return f"""
    CREATE TRIGGER {table}_pending_insert AFTER INSERT ON {table}
    BEGIN UPDATE pendingtally SET {counter} = {counter} + ({new}); END;
    CREATE TRIGGER {table}_pending_delete AFTER DELETE ON {table}
    BEGIN UPDATE pendingtally SET {counter} = {counter} - ({old}); END;
    CREATE TRIGGER {table}_pending_update AFTER UPDATE OF {column} ON {table}
    BEGIN UPDATE pendingtally SET {counter} = {counter} - ({old}) + ({new}); END;
    """


_OUTBOX_PENDING = "{r}.done_at IS NULL"
_CORRECTION_PENDING = "{r}.status = 'pending'"


def _tables(prefix: str = "", *, temp: bool = False) -> str:
    """The tally tables (named `<prefix>activitytally` …; TEMP ones for a recount)."""
    kind = "TEMP TABLE" if temp else "TABLE"
    columns = ", ".join(
        f"{col} INTEGER NOT NULL DEFAULT 0" for col, _ in (*CHECKIN_COUNTERS, *ATTEMPT_COUNTERS)
    )
    return f"""
    CREATE {kind} {prefix}activitytally (activity_id TEXT PRIMARY KEY, {columns});
    CREATE {kind} {prefix}reasontally (
        activity_id TEXT NOT NULL, side TEXT NOT NULL, reason TEXT NOT NULL,
        n INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (activity_id, side, reason)
    );
    CREATE {kind} {prefix}pendingtally (
        id INTEGER PRIMARY KEY CHECK (id = 1), checkins INTEGER NOT NULL DEFAULT 0,
        corrections INTEGER NOT NULL DEFAULT 0
    );
    """


def _backfill(prefix: str = "") -> str:
    """The tallies of the rows already there, into the tally tables named with `prefix`: the
    same predicates as the triggers', summed per activity."""

    def sums(counters: Counters, table: str) -> str:
        return ", ".join(f"COALESCE(SUM({pred.format(r=table)}), 0)" for _, pred in counters)

    def names(counters: Counters) -> str:
        return ", ".join(col for col, _ in counters)

    def reasons(side: str, rule: ReasonRule) -> str:
        table = rule[0]
        _, pred, key = (part.format(r=table) for part in rule)
        return (
            f"INSERT INTO {prefix}reasontally (activity_id, side, reason, n)"
            f" SELECT activity_id, '{side}', {key}, COUNT(*) FROM {table} WHERE {pred}"
            " GROUP BY 1, 2, 3;"
        )

    updates = ", ".join(f"{col} = excluded.{col}" for col, _ in ATTEMPT_COUNTERS)
    return f"""
    INSERT INTO {prefix}activitytally (activity_id, {names(CHECKIN_COUNTERS)})
    SELECT activity_id, {sums(CHECKIN_COUNTERS, "checkin")} FROM checkin GROUP BY activity_id;
    INSERT INTO {prefix}activitytally (activity_id, {names(ATTEMPT_COUNTERS)})
    SELECT activity_id, {sums(ATTEMPT_COUNTERS, "attempt")} FROM attempt WHERE true
    GROUP BY activity_id ON CONFLICT (activity_id) DO UPDATE SET {updates};
    {reasons("gate", _GATE_REASON)}
    {reasons("server", _SERVER_REASON)}
    INSERT INTO {prefix}pendingtally (id, checkins, corrections) VALUES (1,
        (SELECT COUNT(*) FROM outbox WHERE {_OUTBOX_PENDING.format(r="outbox")}),
        (SELECT COUNT(*) FROM correction WHERE {_CORRECTION_PENDING.format(r="correction")}));
    """


def migration() -> str:
    """Schema migration 7: the tally tables, their backfill, then the triggers."""
    return f"""
    {_tables()}
    {_backfill()}
    {_triggers("checkin", _CHECKIN_COLUMNS, CHECKIN_COUNTERS, "server", _SERVER_REASON)}
    {_triggers("attempt", _ATTEMPT_COLUMNS, ATTEMPT_COUNTERS, "gate", _GATE_REASON)}
    {_pending_triggers("outbox", "done_at", _OUTBOX_PENDING, "checkins")}
    {_pending_triggers("correction", "status", _CORRECTION_PENDING, "corrections")}
    """


# -- a recovered database ---------------------------------------------------------------------
# `sqlite3 DB '.recover'` (docs/operations.md, "Corrupted database") copies the tally tables
# as they were, beside whatever rows it could read: a row lost to the damage would still be
# counted. The recovery steps therefore delete the one `pendingtally` row, which is never
# missing otherwise; opening the file then recounts every tally from the recovered rows.
# `kiosk doctor` compares the tallies with a recount and says so when they differ.

REBUILD = (
    "DELETE FROM activitytally; DELETE FROM reasontally; DELETE FROM pendingtally;" + _backfill()
)
"""Recount every tally from the rows (one transaction; the caller's)."""


def needs_rebuild(con: sqlite3.Connection) -> bool:
    """The tallies were dropped (the recovery steps delete the `pendingtally` row)."""
    return con.execute("SELECT 1 FROM pendingtally WHERE id = 1").fetchone() is None


def out_of_step(con: sqlite3.Connection) -> list[str]:
    """What differs between the tallies and a recount of the rows, within one read
    transaction: the activity ids, and "pending" for the device's pending uploads. Reads every
    row (the doctor's check, never the gate's); `con` is in autocommit mode. Dropped tallies
    differ in nothing: they are recounted when the store opens the file."""
    con.execute("BEGIN")
    try:
        if needs_rebuild(con):
            return []
        recount = _tables("recount_", temp=True) + _backfill("recount_")
        for statement in recount.split(";"):  # no trigger bodies: `;` ends each statement
            if statement.strip():
                con.execute(statement)
        counters = " AND ".join(f"{col} = 0" for col, _ in (*CHECKIN_COUNTERS, *ATTEMPT_COUNTERS))
        differ = con.execute(
            f"""
            WITH a AS (SELECT * FROM activitytally WHERE NOT ({counters})),
                 b AS (SELECT * FROM temp.recount_activitytally WHERE NOT ({counters})),
                 r AS (SELECT * FROM reasontally WHERE n <> 0),
                 s AS (SELECT * FROM temp.recount_reasontally WHERE n <> 0)
            SELECT activity_id FROM (SELECT * FROM a EXCEPT SELECT * FROM b)
            UNION SELECT activity_id FROM (SELECT * FROM b EXCEPT SELECT * FROM a)
            UNION SELECT activity_id FROM (SELECT * FROM r EXCEPT SELECT * FROM s)
            UNION SELECT activity_id FROM (SELECT * FROM s EXCEPT SELECT * FROM r)
            UNION SELECT 'pending' WHERE NOT EXISTS (SELECT 1 FROM pendingtally
                JOIN temp.recount_pendingtally USING (checkins, corrections))
            ORDER BY 1
            """
        ).fetchall()
    finally:
        con.execute("ROLLBACK")  # the recount's TEMP tables go with it
    return [str(row[0]) for row in differ]


def read_counts(con: sqlite3.Connection, activity_id: str) -> Counts:
    """The activity's counts from its tallies (call inside one read transaction). Constant
    cost: one row, and one row per reason seen."""
    row = con.execute(select(ActivityTally, "activity_id = ?"), (activity_id,)).fetchone()
    tally = from_row(ActivityTally, row) if row else ActivityTally(activity_id=activity_id)
    reasons: dict[str, dict[str, int]] = {"gate": {}, "server": {}}
    for side, reason, n in con.execute(
        "SELECT side, reason, n FROM reasontally WHERE activity_id = ? AND n > 0"
        " ORDER BY side, reason",
        (activity_id,),
    ):
        reasons[side][reason] = n
    return Counts(
        accepted=tally.live,
        # one live check-in per registrant and activity (the partial unique index
        # `checkin_one_per_registrant`): the live check-ins are the unique people
        unique_people=tally.live,
        duplicates=tally.duplicates,
        rejected=tally.rejected,
        voided=tally.voided,
        pending_upload=tally.pending_upload,
        confirmed=tally.confirmed,
        server_duplicates=tally.server_duplicates,
        premium=tally.premium,
        rejected_by_reason=reasons["gate"],
        server_rejected=tally.server_rejected,
        server_rejected_by_reason=reasons["server"],
        counted=tally.counted,
        not_counted=tally.not_counted,
        unattested=tally.unattested,
    )


def read_pending(con: sqlite3.Connection) -> tuple[int, int]:
    """(check-ins waiting for upload, corrections waiting to be sent), device-wide."""
    row = con.execute("SELECT checkins, corrections FROM pendingtally WHERE id = 1").fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)
