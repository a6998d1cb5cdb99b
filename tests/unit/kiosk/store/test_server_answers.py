"""What the national server answered, kept on real SQLite files: counts, attestations, the
first check-in of a duplicate, and migration 4 on a database the previous release left."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.models import Method, Outcome
from kiosk.new_checkins import manual_checkin
from kiosk.store import Attestation, ServerAnswer, Store
from kiosk.store.migrations import MIGRATIONS, SCHEMA_VERSION
from sync.batches import item_of
from tests.builders import checkin_service
from tests.passkit import PassKit

ACTIVITY = "act-2026-11-23-beach"
T0 = datetime(2026, 11, 23, 1, 32, tzinfo=UTC)  # 10:32 JST


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def service(tmp_path: Path, jwks_file: Path, clock: FixedClock) -> CheckinService:
    return checkin_service(tmp_path / "kiosk.db", jwks_file, ACTIVITY, clock=clock)


def scan(service: CheckinService, kit: PassKit, sub: str) -> Any:
    now = int(service.clock.now().timestamp())
    return service.submit(kit.sign(sub=sub, iat=now - 60, exp=now + 86400), Method.CAMERA)


def upload(store: Store, answers: list[tuple[str, str, str | None, ServerAnswer]]) -> int:
    """Claim the outbox and keep the answers, as the uploader does."""
    store.outbox.claim_batch(100, at=T0)
    return store.outbox.apply_results(
        [(cid, status, reason) for cid, status, reason, _ in answers],
        at=T0,
        answers={cid: answer for cid, _, _, answer in answers},
    )


def test_a_duplicate_the_server_says_another_gate_recorded_first_keeps_that_story(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    first = scan(service, kit, "FR0000000001")
    assert first.outcome is Outcome.ACCEPTED
    gate1_at = T0 - timedelta(minutes=7)
    story = ServerAnswer(
        counts=True,
        first_checkin_id="0f0e0d0c-0000-4000-8000-000000000001",
        first_device_id="dev-1",
        first_device_name="Gate 1",
        first_scanned_at=gate1_at.isoformat(),
    )
    assert upload(service.store, [(first.checkin_id, "duplicate", None, story)]) == 1
    row = service.store.records.checkin(first.checkin_id)
    assert row is not None
    assert (row.counts, row.first_checkin_id, row.first_device_name) == (
        True,
        story.first_checkin_id,
        "Gate 1",
    )

    clock.advance(60)
    again = scan(service, kit, "FR0000000001")
    assert (again.outcome, again.first_device, again.first_at) == (
        Outcome.DUPLICATE,
        "Gate 1",
        gate1_at,
    )
    typed = service.record_manual("FR0000000001", Method.MANUAL, reason="no phone")
    assert (typed.outcome, typed.first_device, typed.first_at) == (
        Outcome.DUPLICATE,
        "Gate 1",
        gate1_at,
    )
    assert again.to_json()["first_device"] == "Gate 1"


def test_a_duplicate_of_this_gates_own_checkin_names_no_other_gate(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    first = scan(service, kit, "FR0000000002")
    upload(service.store, [(first.checkin_id, "accepted", None, ServerAnswer(counts=True))])
    clock.advance(60)
    again = scan(service, kit, "FR0000000002")
    assert (again.outcome, again.first_device, again.first_at) == (Outcome.DUPLICATE, None, T0)


def test_counts_separate_accepted_here_confirmed_counted_and_refused(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    store = service.store
    ids = [scan(service, kit, f"FR000000001{n}").checkin_id for n in range(5)]
    typed = service.record_manual("FR0000000020", Method.MANUAL, reason="typed at the gate")
    vouched = manual_checkin(
        ACTIVITY,
        "FR0000000021",
        method=Method.MANUAL,
        operator="rmo-sato",
        clock=clock,
        attestation=Attestation("rmo-sato", "known to the RMO"),
    )
    coordinator = store.records.add_manual(vouched, reason="known to the RMO")
    before = store.records.counts(ACTIVITY)
    assert (before.accepted, before.pending_upload, before.unattested) == (7, 7, 1)
    yes, no = ServerAnswer(counts=True), ServerAnswer(counts=False)
    upload(
        store,
        [
            (ids[0], "accepted", None, yes),
            (ids[1], "accepted", None, yes),
            (ids[2], "rejected", "revoked", no),
            (ids[3], "rejected", "conflict", no),
            (ids[4], "duplicate", None, yes),
            (typed.checkin_id or "", "accepted", None, no),
            (coordinator.checkin_id or "", "accepted", None, yes),
        ],
    )
    c = store.records.counts(ACTIVITY)
    assert (c.accepted, c.confirmed, c.counted, c.not_counted) == (7, 4, 3, 1)
    assert (c.server_rejected, c.server_duplicates, c.pending_upload) == (2, 1, 0)
    assert c.server_rejected_by_reason == {"conflict": 1, "revoked": 1}


def test_only_a_coordinators_manual_record_carries_an_attestation(
    service: CheckinService, clock: FixedClock
) -> None:
    store = service.store
    typed = service.record_manual("FR0000000030", Method.MANUAL, reason="typed at the gate")
    vouched = manual_checkin(
        ACTIVITY,
        None,
        method=Method.PAPER,
        operator="rmo-sato",
        clock=clock,
        attestation=Attestation("rmo-sato", "paper form, signed"),
    )
    paper = store.records.add_manual(
        vouched, reason="paper form, signed", paper=("山田 花子", "090-0000-0000", "131016")
    )
    items = {i.checkin.id: item_of(i) for i in store.outbox.claim_batch(10, at=T0)}
    assert "attestation" not in items[typed.checkin_id or ""]
    assert items[paper.checkin_id or ""]["attestation"] == {
        "operator": "rmo-sato",
        "reason": "paper form, signed",
    }


def _version_3_database(path: Path) -> None:
    """A database as the previous release left it: a coordinator's and a volunteer's manual
    records, and a scan."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        for script in MIGRATIONS[:3]:
            for statement in script.split(";"):
                if statement.strip():
                    con.execute(statement)
        con.execute("PRAGMA user_version = 3")
        con.execute(
            "INSERT INTO activity (id, name, date) VALUES (?, 'B', '2026-11-23')", (ACTIVITY,)
        )
        rows = [  # id, registrant, method, operator, audit reason
            ("c-coordinator", "FR0000000001", "manual", "rmo-sato", "known to the RMO"),
            ("c-paper", "PAPER-0000000001", "paper", "rmo-sato", "paper form"),
            ("c-gate", "FR0000000002", "manual", "gate", "manual entry at gate (registrant id)"),
            ("c-scan", "FR0000000003", "camera", "gate", ""),
        ]
        for n, (cid, sub, method, operator, reason) in enumerate(rows):
            at = (T0 + timedelta(minutes=n)).isoformat()
            con.execute(
                "INSERT INTO checkin (id, activity_id, registrant, method, scanned_at,"
                " clock_trusted, monotonic_s, session_id, operator)"
                " VALUES (?, ?, ?, ?, ?, 1, ?, 's', ?)",
                (cid, ACTIVITY, sub, method, at, float(n), operator),
            )
            action = "checkin" if method == "camera" else "manual_add"
            con.execute(
                "INSERT INTO audit (at, operator, action, activity_id, checkin_id, reason)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (at, operator, action, ACTIVITY, cid, reason),
            )
            con.execute("INSERT INTO outbox (checkin_id, created_at) VALUES (?, ?)", (cid, at))
    finally:
        con.close()


def test_migration_4_attests_the_coordinators_earlier_manual_records(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    _version_3_database(path)
    store = Store.open(path)
    try:
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        rows = {c.id: c for c in store.records.checkins(ACTIVITY)}
        assert {cid: (c.attested_by, c.attestation_reason) for cid, c in rows.items()} == {
            "c-coordinator": ("rmo-sato", "known to the RMO"),
            "c-paper": ("rmo-sato", "paper form"),
            "c-gate": (None, None),
            "c-scan": (None, None),
        }
        assert all(c.counts is None and c.first_checkin_id is None for c in rows.values())
        assert store.outbox.pending_count() == 4  # nothing else changed
    finally:
        store.close()
