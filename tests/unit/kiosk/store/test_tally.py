"""The day's counts kept as tallies by triggers (`kiosk.store.tally`, migration 7) always equal
a recount from the raw rows: after every step of random sequences of store operations (a
Hypothesis state machine on a real SQLite file), after migration 7 backfills a database that
already holds a day of rows, and after tallies dropped by the recovery steps are recounted;
`kiosk doctor` says when they are out of step."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import tempfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kiosk.models import Method, Outcome, Reason
from kiosk.store import Attestation, Counts, NewCheckin, RecordError, ServerAnswer, Store
from kiosk.store.health import tallies_out_of_step
from kiosk.store.migrations import MIGRATIONS, SCHEMA_VERSION
from kiosk.store.tables import Attempt, Checkin, Correction, Outbox, from_row, select
from kiosk.store.tally import read_counts, read_pending
from tests.devices import device_config, run_kiosk

ACTIVITIES = ("act-a", "act-b")
UNKNOWN_ACTIVITY = "act-none"  # never stored: its scans are rejected (no_activity)
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

registrants = st.sampled_from([f"FR{n:010d}" for n in range(5)])  # few: duplicates happen
activities = st.sampled_from((*ACTIVITIES, UNKNOWN_ACTIVITY))
tiers = st.sampled_from((None, "standard", "premium"))
server_reasons = st.sampled_from((None, "", "revoked", "expired", "unknown", "conflict"))
picks = st.integers(min_value=0, max_value=10_000)


def recount(store: Store, activity_id: str) -> Counts:
    """The activity's counts from every raw row, counted in Python (no tally, no SQL
    aggregate): the definition the tallies must meet."""
    with store.database.snapshot() as con:
        checkins = [from_row(Checkin, row) for row in con.execute(select(Checkin))]
        attempts = [from_row(Attempt, row) for row in con.execute(select(Attempt))]
    mine = [c for c in checkins if c.activity_id == activity_id]
    live = [c for c in mine if not c.voided]
    decided = Counter(a.outcome for a in attempts if a.activity_id == activity_id)
    status = Counter(str(c.sync_status) for c in live)
    return Counts(
        accepted=len(live),
        unique_people=len({c.registrant for c in live}),
        duplicates=decided[Outcome.DUPLICATE],
        rejected=decided[Outcome.REJECTED],
        voided=sum(c.voided for c in mine),
        pending_upload=status["pending"],
        confirmed=status["accepted"],
        server_duplicates=status["duplicate"],
        premium=sum(c.tier == "premium" for c in live),
        rejected_by_reason=dict(
            Counter(
                a.reason or "unknown"
                for a in attempts
                if a.activity_id == activity_id and a.outcome == Outcome.REJECTED
            )
        ),
        server_rejected=status["rejected"],
        server_rejected_by_reason=dict(
            Counter(c.sync_reason or "unknown" for c in live if c.sync_status == "rejected")
        ),
        counted=sum(c.sync_status == "accepted" and c.counts is True for c in live),
        not_counted=sum(c.sync_status == "accepted" and c.counts is False for c in live),
        unattested=sum(
            c.method in ("manual", "paper")
            and (c.attested_by is None or c.attestation_reason is None)
            for c in live
        ),
    )


def recount_pending(store: Store) -> tuple[int, int]:
    """(outbox rows not done, corrections pending), counted from every raw row."""
    with store.database.snapshot() as con:
        outbox = [from_row(Outbox, row) for row in con.execute(select(Outbox))]
        corrections = [from_row(Correction, row) for row in con.execute(select(Correction))]
    return (
        sum(o.done_at is None for o in outbox),
        sum(c.status == "pending" for c in corrections),
    )


class StoreDay(RuleBasedStateMachine):
    """A kiosk store through a random day: scans, rejections, manual and paper records, voids
    and restores, uploads and every kind of server answer, corrections and their answers, a
    close-out, and rows deleted with raw SQL. After every step the counts equal a recount."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory(prefix="tally-")
        self.store = Store.open(Path(self.folder.name) / "kiosk.db", synchronous="NORMAL")
        for activity_id in ACTIVITIES:
            self.store.activities.ensure(activity_id, activity_id, date(2026, 11, 23))
        self.steps = 0

    def teardown(self) -> None:
        self.store.close()
        self.folder.cleanup()

    # -- helpers ----------------------------------------------------------------------------

    def now(self) -> datetime:
        self.steps += 1
        return T0 + timedelta(seconds=self.steps)

    def new(
        self,
        activity_id: str,
        registrant: str,
        method: Method,
        tier: str | None = None,
        attestation: Attestation | None = None,
    ) -> NewCheckin:
        return NewCheckin(
            activity_id=activity_id,
            registrant=registrant,
            method=method,
            scanned_at=self.now(),
            clock_trusted=True,
            monotonic_s=float(self.steps),
            session_id="session",
            tier=tier,
            attestation=attestation,
        )

    def checkin_ids(self) -> list[str]:
        with self.store.database.read() as con:
            return [row[0] for row in con.execute("SELECT id FROM checkin ORDER BY rowid")]

    def has_checkins(self) -> bool:
        return bool(self.checkin_ids())

    def pick(self, index: int) -> str:
        ids = self.checkin_ids()
        return ids[index % len(ids)]

    # -- the gate ---------------------------------------------------------------------------

    @rule(activity_id=activities, registrant=registrants, tier=tiers)
    def scan(self, activity_id: str, registrant: str, tier: str | None) -> None:
        self.store.records.record_checkin(self.new(activity_id, registrant, Method.CAMERA, tier))

    @rule(activity_id=activities, reason=st.sampled_from(Reason))
    def reject(self, activity_id: str, reason: Reason) -> None:
        self.store.records.record_rejection(activity_id, reason, Method.WEDGE, self.now())

    @rule(
        activity_id=activities,
        outcome=st.sampled_from((Outcome.DUPLICATE, Outcome.REJECTED)),
        reason=st.sampled_from((None, Reason.MALFORMED, Reason.NO_ACTIVITY)),
    )
    def refused_record(self, activity_id: str, outcome: Outcome, reason: Reason | None) -> None:
        """A manual record the store refused, recorded as the attempt alone (any reason, even
        none)."""
        self.store.records.record_attempt(activity_id, outcome, reason, Method.MANUAL, self.now())

    @rule(
        activity_id=activities,
        registrant=registrants,
        paper=st.booleans(),
        attestation=st.one_of(
            st.none(),
            st.builds(Attestation, st.sampled_from(("rmo", "")), st.sampled_from(("known", ""))),
        ),
    )
    def manual(
        self, activity_id: str, registrant: str, paper: bool, attestation: Attestation | None
    ) -> None:
        method = Method.PAPER if paper else Method.MANUAL
        form = ("Name", "contact", "131016") if paper else None
        new = self.new(activity_id, registrant, method, attestation=attestation)
        # refused (a duplicate, an unknown or closed activity): nothing stored, nothing counted
        with contextlib.suppress(RecordError):
            self.store.records.add_manual(new, reason="no phone", paper=form)

    # -- corrections ------------------------------------------------------------------------

    @precondition(has_checkins)
    @rule(index=picks, last=st.booleans())
    def void(self, index: int, last: bool) -> None:
        # refused (already voided, not the last, a closed day): nothing changed
        with contextlib.suppress(RecordError):
            self.store.corrections.void(
                self.pick(index),
                reason="wrong person",
                operator="rmo",
                at=self.now(),
                only_if_last=last,
            )

    @precondition(has_checkins)
    @rule(index=picks)
    def restore(self, index: int) -> None:
        # refused (not voided, the registrant is live again, a closed day): nothing changed
        with contextlib.suppress(RecordError):
            self.store.corrections.restore(
                self.pick(index), reason="it was them", operator="rmo", at=self.now()
            )

    # -- syncing ----------------------------------------------------------------------------

    @rule(limit=st.integers(min_value=1, max_value=4))
    def claim(self, limit: int) -> None:
        self.store.outbox.claim_batch(limit, at=self.now())

    @precondition(has_checkins)
    @rule(
        answers=st.lists(
            st.tuples(
                picks,
                st.sampled_from(("accepted", "duplicate", "rejected")),
                server_reasons,
                st.sampled_from((None, True, False)),
            ),
            min_size=1,
            max_size=4,
        )
    )
    def server_answers(self, answers: list[tuple[int, str, str | None, bool | None]]) -> None:
        """The national API's answers to uploads (to any check-in: replays and stray answers
        included), with whether each counts toward premium."""
        results = [(self.pick(index), status, reason) for index, status, reason, _ in answers]
        extra = {self.pick(index): ServerAnswer(counts=counts) for index, _, _, counts in answers}
        self.store.outbox.apply_results(results, at=self.now(), answers=extra)

    @rule(
        answer=st.sampled_from(
            (("applied", None), ("unchanged", None), ("rejected", "conflict"), ("rejected", "x"))
        )
    )
    def correction_answers(self, answer: tuple[str, str | None]) -> None:
        ready = self.store.corrections.next_batch(4)
        status, reason = answer
        self.store.corrections.apply_results([(c.id, status, reason) for c in ready], at=self.now())

    @rule()
    def settle(self) -> None:
        self.store.corrections.settle(at=self.now())

    # -- the day's end and raw SQL ------------------------------------------------------------

    @rule(activity_id=st.sampled_from(ACTIVITIES))
    def close(self, activity_id: str) -> None:
        with contextlib.suppress(RecordError):  # closed already
            self.store.activities.close(activity_id, digest="d", operator="rmo", at=self.now())

    @rule(index=picks)
    def delete_an_attempt(self, index: int) -> None:
        """Never done by the kiosk: the tallies follow any statement, not only the store's."""
        with self.store.database.write() as cur:
            ids = [row[0] for row in cur.execute("SELECT id FROM attempt ORDER BY rowid")]
            if ids:
                cur.execute("DELETE FROM attempt WHERE id = ?", (ids[index % len(ids)],))

    @precondition(has_checkins)
    @rule(index=picks)
    def delete_a_checkin(self, index: int) -> None:
        checkin_id = self.pick(index)
        with self.store.database.write() as cur:
            for table in ("correction", "paperrecord", "outbox"):
                cur.execute(f"DELETE FROM {table} WHERE checkin_id = ?", (checkin_id,))
            cur.execute("DELETE FROM checkin WHERE id = ?", (checkin_id,))

    @invariant()
    def counts_equal_a_recount(self) -> None:
        for activity_id in (*ACTIVITIES, UNKNOWN_ACTIVITY):
            assert self.store.records.counts(activity_id) == recount(self.store, activity_id)
        assert self.store.outbox.pending_counts() == recount_pending(self.store)


# max_examples comes from the profile (conftest: `make test` short, `make fuzz` long)
StoreDay.TestCase.settings = settings(stateful_step_count=30)
test_counts_equal_a_recount_after_every_store_operation = StoreDay.TestCase


# -- migration 7 ------------------------------------------------------------------------------


def _version_6_database(path: Path) -> None:
    """A kiosk database as the previous release left it: schema 6 with a day of rows at two
    activities (and attempts at an activity this device never had)."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        for script in MIGRATIONS[:6]:
            con.executescript(script)
        con.execute("PRAGMA user_version = 6")
        for activity_id in ACTIVITIES:
            con.execute(
                "INSERT INTO activity (id, name, date) VALUES (?, ?, '2026-11-23')",
                (activity_id, activity_id),
            )
        rows = [  # activity, registrant, tier, method, voided, status, reason, counts, attested
            ("act-a", 1, "premium", "camera", 0, "accepted", None, 1, None),
            ("act-a", 2, "standard", "camera", 0, "accepted", None, 0, None),
            ("act-a", 3, "premium", "camera", 1, "accepted", None, 1, None),
            ("act-a", 3, "premium", "camera", 0, "pending", None, None, None),
            ("act-a", 4, None, "manual", 0, "rejected", "attestation_required", None, None),
            ("act-a", 5, None, "paper", 0, "accepted", None, 1, "rmo"),
            ("act-a", 6, "standard", "camera", 0, "duplicate", "conflict", None, None),
            ("act-a", 7, "standard", "camera", 0, "rejected", None, None, None),
            ("act-a", 8, "standard", "camera", 0, "rejected", "", None, None),
            ("act-a", 9, "standard", "camera", 1, "withdrawn", None, None, None),
            ("act-b", 1, "premium", "wedge", 0, "pending", None, None, None),
            ("act-b", 2, None, "manual", 0, "pending", None, None, None),
        ]
        for n, (activity, sub, tier, method, voided, status, reason, counts, by) in enumerate(rows):
            cid = f"c{n}"
            at = (T0 + timedelta(minutes=n)).isoformat()
            con.execute(
                "INSERT INTO checkin (id, activity_id, registrant, tier, method, scanned_at,"
                " clock_trusted, monotonic_s, session_id, voided, sync_status, sync_reason,"
                " counts, attested_by, attestation_reason)"
                " VALUES (?, ?, ?, ?, ?, ?, 1, ?, 's', ?, ?, ?, ?, ?, ?)",
                (
                    cid,
                    activity,
                    f"FR{sub:010d}",
                    tier,
                    method,
                    at,
                    float(n),
                    voided,
                    status,
                    reason,
                    counts,
                    by,
                    "known" if by else None,
                ),
            )
            con.execute(
                "INSERT INTO outbox (checkin_id, created_at, done_at, sent_at) VALUES (?, ?, ?, ?)",
                (cid, at, None if status == "pending" else at, at),
            )
            con.execute(
                "INSERT INTO attempt (id, activity_id, outcome, registrant, checkin_id, method, at)"
                " VALUES (?, ?, 'accepted', 'FR******', ?, ?, ?)",
                (f"a{n}", activity, cid, method, at),
            )
        attempts = [  # activity, outcome, reason
            ("act-a", "duplicate", None),
            ("act-a", "rejected", "expired"),
            ("act-a", "rejected", "expired"),
            ("act-a", "rejected", "bad_signature"),
            ("act-b", "duplicate", None),
            (UNKNOWN_ACTIVITY, "rejected", "no_activity"),
        ]
        for n, (activity, outcome, reason) in enumerate(attempts):
            con.execute(
                "INSERT INTO attempt (id, activity_id, outcome, reason, method, at)"
                " VALUES (?, ?, ?, ?, 'camera', ?)",
                (f"r{n}", activity, outcome, reason, T0.isoformat()),
            )
        con.execute(
            "INSERT INTO correction (id, checkin_id, action, reason, at, created_at, seq,"
            " outbox_seq) VALUES ('v1', 'c2', 'void', 'wrong person', ?, ?, 1, 3)",
            (T0.isoformat(), T0.isoformat()),
        )
    finally:
        con.close()


def test_migration_7_backfills_the_tallies_of_the_rows_already_there(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    _version_6_database(path)
    store = Store.open(path)
    try:
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        a = store.records.counts("act-a")
        assert a == recount(store, "act-a")
        assert (a.accepted, a.unique_people, a.voided, a.pending_upload) == (8, 8, 2, 1)
        assert (a.confirmed, a.counted, a.not_counted, a.premium) == (3, 2, 1, 2)
        assert (a.server_duplicates, a.server_rejected, a.unattested) == (1, 3, 1)
        assert a.server_rejected_by_reason == {"attestation_required": 1, "unknown": 2}
        assert (a.duplicates, a.rejected) == (1, 3)
        assert a.rejected_by_reason == {"expired": 2, "bad_signature": 1}
        b = store.records.counts("act-b")
        assert b == recount(store, "act-b")
        assert (b.accepted, b.pending_upload, b.premium, b.unattested, b.duplicates) == (
            2,
            2,
            1,
            1,
            1,
        )
        assert store.records.counts(UNKNOWN_ACTIVITY).rejected_by_reason == {"no_activity": 1}
        assert store.outbox.pending_counts() == (3, 1) == recount_pending(store)
        # and from here the triggers keep them
        with pytest.raises(RecordError):  # FR0000000003 is live again (c3)
            store.corrections.restore("c2", reason="it was them", operator="rmo", at=T0)
        store.corrections.void("c3", reason="wrong person", operator="rmo", at=T0)
        store.corrections.restore("c2", reason="it was them", operator="rmo", at=T0)
        assert store.records.counts("act-a") == recount(store, "act-a")
        assert store.outbox.pending_counts() == recount_pending(store)
    finally:
        store.close()


def test_reading_the_counts_does_not_scan_the_rows(tmp_path: Path) -> None:
    """The query plans of the reads touch the tallies by key, never `checkin` or `attempt`."""
    store = Store.open(tmp_path / "kiosk.db")
    try:
        with store.database.snapshot() as con:
            plans: list[str] = []
            con.set_trace_callback(plans.append)
            read_counts(con, "act-a")
            read_pending(con)
            con.set_trace_callback(None)
            details = [
                str(row[3]) for sql in plans for row in con.execute(f"EXPLAIN QUERY PLAN {sql}")
            ]
        assert len(details) == 3, details
        assert all(d.startswith("SEARCH ") for d in details), details
        assert not any("checkin" in d or "attempt" in d for d in details), details
    finally:
        store.close()


# -- tallies out of step (a recovered database) ------------------------------------------------


def _a_day(path: Path) -> None:
    """A store file with scans, a duplicate and rejections at act-a."""
    store = Store.open(path)
    try:
        store.activities.ensure("act-a", "A", date(2026, 11, 23))
        for n, registrant in enumerate(("FR0000000001", "FR0000000002", "FR0000000001")):
            store.records.record_checkin(
                NewCheckin(
                    activity_id="act-a",
                    registrant=registrant,
                    method=Method.CAMERA,
                    scanned_at=T0 + timedelta(seconds=n),
                    clock_trusted=True,
                    monotonic_s=float(n),
                    session_id="s",
                )
            )
        store.records.record_rejection("act-a", Reason.EXPIRED, Method.CAMERA, T0)
    finally:
        store.close()


def _raw(path: Path, *sql: str) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in sql:
            con.execute(statement)
    finally:
        con.close()


def test_dropped_tallies_are_recounted_when_the_store_opens(tmp_path: Path) -> None:
    """What `.recover` leaves: tallies copied as they were beside fewer rows. The doctor sees
    it; the recovery step deletes the `pendingtally` row and the next open recounts."""
    path = tmp_path / "kiosk.db"
    _a_day(path)
    assert tallies_out_of_step(path) == []
    _raw(path, "UPDATE activitytally SET live = live + 3", "UPDATE pendingtally SET checkins = 9")
    assert tallies_out_of_step(path) == ["act-a", "pending"]
    _raw(path, "DELETE FROM pendingtally")
    assert tallies_out_of_step(path) == []  # dropped: recounted when the store opens
    store = Store.open(path)
    try:
        counts = store.records.counts("act-a")
        assert counts == recount(store, "act-a")
        assert (counts.accepted, counts.duplicates, counts.rejected) == (2, 1, 1)
        assert counts.rejected_by_reason == {"expired": 1}
        assert store.outbox.pending_counts() == (2, 0) == recount_pending(store)
    finally:
        store.close()
    assert tallies_out_of_step(path) == []


def test_doctor_fails_the_database_check_when_the_counts_are_out_of_step(
    tmp_path: Path, jwks_file: Path
) -> None:
    path = tmp_path / "kiosk.db"
    _a_day(path)
    config = device_config(tmp_path, jwks_file, database=path)
    healthy = json.loads(run_kiosk("doctor", "--config", str(config), "--json").stdout)
    check = next(c for c in healthy["checks"] if c["name"] == "database")
    assert check["status"] == "ok", check
    _raw(path, "UPDATE reasontally SET n = n + 1 WHERE side = 'gate'")
    done = run_kiosk("doctor", "--config", str(config), "--json")
    assert done.returncode == 1, done.stderr
    check = next(c for c in json.loads(done.stdout)["checks"] if c["name"] == "database")
    assert check["status"] == "fail"
    assert "counts differ from a recount" in check["summary"]
    assert "act-a" in check["summary"]
    assert f"sqlite3 {path} 'DELETE FROM pendingtally'" in check["fix"]


def test_migration_7_is_frozen() -> None:
    """Migration 7 is generated from the counters in `kiosk.store.tally`: changing them would
    give new databases other triggers than the ones already in the field. A new or changed
    counter is a new migration (drop and recreate the triggers, recount)."""
    digest = hashlib.sha256(MIGRATIONS[6].encode()).hexdigest()
    assert digest == "9d5053d783518b9b508c92a7d27ac82d4f7b56a7ea3c67ca9ac72209db95d977"
