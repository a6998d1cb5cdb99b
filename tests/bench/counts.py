"""The scan screen's counters after every decision, with 100,000 check-ins in one activity.

After each decision the scan screen reloads the activity's counts and the device's pending
uploads (`screens/scan.py`, `_load_stats`). Measured here: CPU time (process_time: what
predicts a Raspberry Pi, whatever else shares this machine) per decision and per refresh of
those counters, on a database holding a day of 100,000 check-ins at one activity.

- now: the counts read from the tallies SQLite keeps with triggers (`kiosk.store.tally`,
  schema migration 7), the decision paying for the triggers;
- baseline, same run: the same database with the tally triggers dropped, the decision
  without them and the counters recounted the way they were before migration 7
  (`counts_before`, `pending_before`: the queries of that release, kept here only as the
  baseline);
- the same refresh at 1,000 check-ins, to show its cost does not grow with the day.

    python -m tests.bench.counts         (or `make bench BENCH=counts`)
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.checkins import CheckinService
from kiosk.models import Method, Outcome
from kiosk.store import Counts, Store
from tests.bench.metering import PI_FACTOR, PI_NOTE, target
from tests.builders import checkin_service
from tests.passkit import PassKit

ACTIVITY = "act-bench-counts"
CHECKINS = 100_000
SMALL = 1_000
DECISIONS = 300
DECISIONS_BEFORE = 20  # each recount takes a noticeable fraction of a second
TARGET_REFRESH_MS = 5.0

# -- the baseline: the counters as they were recounted before migration 7 ---------------------


def counts_before(con: sqlite3.Connection, activity_id: str) -> Counts:
    """`Records.counts` before migration 7: aggregate scans of the activity's rows."""
    live = con.execute(
        "SELECT COUNT(*), COUNT(DISTINCT registrant),"
        " COALESCE(SUM(sync_status = 'pending'), 0), COALESCE(SUM(sync_status = 'accepted'), 0),"
        " COALESCE(SUM(sync_status = 'duplicate'), 0), COALESCE(SUM(tier = 'premium'), 0),"
        " COALESCE(SUM(sync_status = 'rejected'), 0),"
        " COALESCE(SUM(sync_status = 'accepted' AND counts = 1), 0),"
        " COALESCE(SUM(sync_status = 'accepted' AND counts = 0), 0),"
        " COALESCE(SUM(method IN ('manual', 'paper') AND (attested_by IS NULL"
        " OR attestation_reason IS NULL)), 0)"
        " FROM checkin WHERE activity_id = ? AND voided = 0",
        (activity_id,),
    ).fetchone()
    server_reasons = dict(
        con.execute(
            "SELECT sync_reason, COUNT(*) FROM checkin WHERE activity_id = ?"
            " AND voided = 0 AND sync_status = 'rejected' GROUP BY sync_reason",
            (activity_id,),
        ).fetchall()
    )
    voided = con.execute(
        "SELECT COUNT(*) FROM checkin WHERE activity_id = ? AND voided = 1", (activity_id,)
    ).fetchone()[0]
    by_outcome = dict(
        con.execute(
            "SELECT outcome, COUNT(*) FROM attempt WHERE activity_id = ? GROUP BY outcome",
            (activity_id,),
        ).fetchall()
    )
    by_reason = dict(
        con.execute(
            "SELECT reason, COUNT(*) FROM attempt WHERE activity_id = ? AND outcome = 'rejected'"
            " GROUP BY reason",
            (activity_id,),
        ).fetchall()
    )
    return Counts(
        accepted=live[0],
        unique_people=live[1],
        duplicates=by_outcome.get("duplicate", 0),
        rejected=by_outcome.get("rejected", 0),
        voided=voided,
        pending_upload=live[2],
        confirmed=live[3],
        server_duplicates=live[4],
        premium=live[5],
        rejected_by_reason={str(k): v for k, v in by_reason.items()},
        server_rejected=live[6],
        server_rejected_by_reason={str(k or "unknown"): v for k, v in server_reasons.items()},
        counted=live[7],
        not_counted=live[8],
        unattested=live[9],
    )


def pending_before(con: sqlite3.Connection) -> int:
    """`Outbox.pending_count` before migration 7: counting the waiting rows."""
    row = con.execute(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE done_at IS NULL),"
        " (SELECT COUNT(*) FROM correction WHERE status = 'pending')"
    ).fetchone()
    return int(row[0]) + int(row[1])


# -- a day of check-ins ---------------------------------------------------------------------


def _fill(database: Path, checkins: int) -> None:
    """A day at the gate in raw SQL (the rows `Store.record_checkin` and the uploader write):
    most check-ins answered by the national system, a fifth still waiting, some refused,
    voided, manual or paper; the gate's duplicate and rejected attempts beside them."""
    now = datetime.now(UTC).isoformat()
    reasons = ("expired", "revoked", "bad_signature", "malformed")
    con = sqlite3.connect(database, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        for n in range(checkins):
            cid = str(uuid.uuid4())
            status = ("accepted",) * 14 + ("pending",) * 4 + ("rejected", "duplicate")
            sync = status[n % len(status)]
            method = "paper" if n % 97 == 0 else "manual" if n % 89 == 0 else "camera"
            con.execute(
                "INSERT INTO checkin (id, activity_id, registrant, tier, method, scanned_at,"
                " clock_trusted, monotonic_s, session_id, voided, sync_status, sync_reason,"
                " counts, attested_by, attestation_reason) VALUES"
                " (?, ?, ?, ?, ?, ?, 1, ?, 's', ?, ?, ?, ?, ?, ?)",
                (
                    cid,
                    ACTIVITY,
                    f"FR{n:010d}",
                    "premium" if n % 7 == 0 else "standard",
                    method,
                    now,
                    float(n),
                    int(n % 50 == 0),
                    sync,
                    "revoked" if sync == "rejected" else None,
                    (n % 10 != 0) if sync == "accepted" else None,
                    "rmo" if method != "camera" and n % 2 else None,
                    "no phone" if method != "camera" and n % 2 else None,
                ),
            )
            con.execute(
                "INSERT INTO outbox (checkin_id, created_at, done_at, sent_at) VALUES (?, ?, ?, ?)",
                (cid, now, None if sync == "pending" else now, None if sync == "pending" else now),
            )
            con.execute(
                "INSERT INTO audit (at, operator, action, activity_id, checkin_id)"
                " VALUES (?, 'gate', 'checkin', ?, ?)",
                (now, ACTIVITY, cid),
            )
            outcomes: list[tuple[str, str | None]] = [("accepted", None)]
            if n % 20 == 0:
                outcomes.append(("duplicate", None))
            if n % 25 == 0:
                outcomes.append(("rejected", reasons[n % len(reasons)]))
            for outcome, reason in outcomes:
                con.execute(
                    "INSERT INTO attempt (id, activity_id, outcome, reason, registrant,"
                    " checkin_id, method, at) VALUES (?, ?, ?, ?, 'FR******', ?, ?, ?)",
                    (str(uuid.uuid4()), ACTIVITY, outcome, reason, cid, method, now),
                )
        con.execute("COMMIT")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def _without_tally_triggers(database: Path) -> None:
    """The database as the release before migration 7 would write it: no tally triggers."""
    con = sqlite3.connect(database, isolation_level=None)
    try:
        names = [
            row[0]
            for row in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND (name LIKE '%\\_tally\\_%' ESCAPE '\\' OR name LIKE '%\\_pending\\_%'"
                " ESCAPE '\\')"
            )
        ]
        for name in names:
            con.execute(f"DROP TRIGGER {name}")
    finally:
        con.close()


def _kiosk(database: Path, jwks: Path) -> CheckinService:
    return checkin_service(database, jwks, ACTIVITY)


# -- measuring ------------------------------------------------------------------------------


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 4)


def _p95_ms(samples: list[float]) -> float:
    return round(sorted(samples)[int(len(samples) * 0.95) - 1] * 1000, 4)


def _decide_and_refresh(
    service: CheckinService, kit: PassKit, n: int, refresh: Callable[[], object]
) -> tuple[list[float], list[float]]:
    """CPU seconds of `n` accepted decisions, and of the counters' refresh after each."""
    decisions, refreshes = [], []
    for _ in range(n):
        token = kit.sign()
        started = time.process_time()
        result = service.submit(token, Method.CAMERA)
        decided = time.process_time()
        refresh()
        refreshed = time.process_time()
        assert result.outcome is Outcome.ACCEPTED
        decisions.append(decided - started)
        refreshes.append(refreshed - decided)
    return decisions, refreshes


def _refresh_now(store: Store) -> Callable[[], object]:
    """What the scan screen loads after a decision (`_load_stats`)."""

    def refresh() -> object:
        store.activities.get(ACTIVITY)
        return store.records.counts(ACTIVITY), store.outbox.pending_count()

    return refresh


def _refresh_before(store: Store) -> Callable[[], object]:
    def refresh() -> object:
        store.activities.get(ACTIVITY)
        with store.database.snapshot() as con:
            counts = counts_before(con, ACTIVITY)
        with store.database.read() as con:
            return counts, pending_before(con)

    return refresh


def _figures(decisions: list[float], refreshes: list[float]) -> dict[str, Any]:
    both = [d + r for d, r in zip(decisions, refreshes, strict=True)]
    return {
        "n": len(decisions),
        "decision_cpu_ms_p50": _median_ms(decisions),
        "refresh_cpu_ms_p50": _median_ms(refreshes),
        "refresh_cpu_ms_p95": _p95_ms(refreshes),
        "decision_plus_refresh_cpu_ms_p50": _median_ms(both),
    }


def run() -> dict[str, Any]:
    kit = PassKit()
    with tempfile.TemporaryDirectory(prefix="bench-counts-") as folder:
        root = Path(folder)
        jwks = kit.write_jwks(root / "jwks.json")
        large, before, small = root / "large.db", root / "before.db", root / "small.db"
        for database, rows in ((large, CHECKINS), (small, SMALL)):
            _kiosk(database, jwks).store.close()  # the schema and the activity
            _fill(database, rows)
        shutil.copyfile(large, before)
        _without_tally_triggers(before)

        now, old = _kiosk(large, jwks), _kiosk(before, jwks)
        for service in (now, old):
            service.submit(kit.sign(), Method.CAMERA)  # warm-up: connections, statements
        alone, old_alone = [], []
        for _ in range(DECISIONS):  # decisions alone, taking turns: what the triggers add
            alone += _decide_and_refresh(now, kit, 1, lambda: None)[0]
            old_alone += _decide_and_refresh(old, kit, 1, lambda: None)[0]
        decisions, refreshes = _decide_and_refresh(now, kit, DECISIONS, _refresh_now(now.store))
        with now.store.database.snapshot() as con:  # one source, the same numbers
            same = counts_before(con, ACTIVITY) == now.store.records.counts(ACTIVITY)
        old_decisions, old_refreshes = _decide_and_refresh(
            old, kit, DECISIONS_BEFORE, _refresh_before(old.store)
        )
        now.store.close()
        old.store.close()

        tiny = _kiosk(small, jwks)
        tiny.submit(kit.sign(), Method.CAMERA)
        small_decisions, small_refreshes = _decide_and_refresh(
            tiny, kit, DECISIONS, _refresh_now(tiny.store)
        )
        tiny.store.close()

    ours, theirs = _figures(decisions, refreshes), _figures(old_decisions, old_refreshes)
    at_small = _figures(small_decisions, small_refreshes)
    refresh_ms = ours["refresh_cpu_ms_p50"]
    return {
        "name": f"decision + counters refresh, {CHECKINS:,} check-ins in one activity (CPU)",
        "now": ours,
        "baseline_recount_before_migration_7": theirs,
        "refresh_cpu_ms": target(refresh_ms, TARGET_REFRESH_MS, "ms CPU"),
        "ratio_refresh_before_over_now": round(theirs["refresh_cpu_ms_p50"] / refresh_ms, 1),
        "ratio_decision_plus_refresh_before_over_now": round(
            theirs["decision_plus_refresh_cpu_ms_p50"] / ours["decision_plus_refresh_cpu_ms_p50"],
            1,
        ),
        # decisions without a refresh between them (a recount evicts the pages a decision
        # needs), on the two databases in turn: what the triggers add to each decision
        "decision_alone_cpu_ms_p50": {"now": _median_ms(alone), "before": _median_ms(old_alone)},
        "trigger_cost_per_decision_cpu_ms": round(_median_ms(alone) - _median_ms(old_alone), 4),
        f"now_at_{SMALL}_checkins": at_small,
        "refresh_ratio_100k_over_1k": target(
            round(refresh_ms / at_small["refresh_cpu_ms_p50"], 2), 3.0, "x (flat with the day)"
        ),
        "pi_estimate_refresh_cpu_ms": round(refresh_ms * PI_FACTOR, 3),
        "pi_estimate_refresh_before_cpu_ms": round(theirs["refresh_cpu_ms_p50"] * PI_FACTOR, 1),
        "pi_note": PI_NOTE,
        "same_counts_as_the_recount": {"value": same, "target": "equal", "met": same},
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
