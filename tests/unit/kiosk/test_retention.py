"""Retention: personal data purged after the period once synced and closed; counts intact."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cli.main import main
from kiosk.clock import FixedClock, venue_today
from kiosk.models import Method, Reason
from kiosk.retention import purge_personal_data
from kiosk.store import NewCheckin, Store
from tests.builders import checkin_service
from tests.devices import ACTIVITY, T0, device_config, scan_many
from tests.passkit import PassKit

OPEN_ACTIVITY = "act-2026-10-01-open"


def paper(store: Store, activity: str, registrant: str, name: str) -> str:
    stored = store.records.add_manual(
        NewCheckin(
            activity_id=activity,
            registrant=registrant,
            method=Method.PAPER,
            scanned_at=T0,
            clock_trusted=True,
            monotonic_s=1.0,
            session_id="s1",
            operator="coordinator",
        ),
        reason="paper activity-record form",
        paper=(name, "090-1234-5678", "131016"),
    )
    assert stored.checkin_id is not None
    return stored.checkin_id


@pytest.fixture
def store(tmp_path: Path, jwks_file: Path, kit: PassKit) -> Store:
    service = checkin_service(tmp_path / "kiosk.db", jwks_file, ACTIVITY, clock=FixedClock(T0))
    store = service.store
    store.activities.ensure(OPEN_ACTIVITY, "still open", venue_today())
    *scanned, refused = scan_many(service, kit, 6)
    synced_paper = paper(store, ACTIVITY, "FRAAAA0000A1", "山田 花子")
    pending_paper = paper(store, ACTIVITY, "FRAAAA0000A2", "佐藤 太郎")
    open_paper = paper(store, OPEN_ACTIVITY, "FRAAAA0000A3", "鈴木 一郎")
    store.records.record_rejection(
        ACTIVITY, Reason.BAD_SIGNATURE, Method.CAMERA, T0, detail="sig FR12"
    )
    store.records.record_rejection(OPEN_ACTIVITY, Reason.EXPIRED, Method.CAMERA, T0, detail="exp")
    answered: list[tuple[str, str, str | None]] = [
        (c, "accepted", None) for c in [*scanned, synced_paper, open_paper]
    ]
    answered.append((refused, "rejected", "scanned_in_future"))  # its pass stays until purged
    store.outbox.apply_results(answered, at=T0 + timedelta(minutes=5))
    del pending_paper
    store.activities.close(
        ACTIVITY, digest="0" * 64, operator="coordinator", at=T0 + timedelta(hours=3)
    )
    return store


def test_purge_keeps_counts_and_removes_personal_fields(store: Store) -> None:
    before = store.records.counts(ACTIVITY)
    before_open = store.records.counts(OPEN_ACTIVITY)
    ids_before = sorted(c.registrant for c in store.records.checkins(ACTIVITY))
    report = purge_personal_data(store, days=30, now=T0 + timedelta(days=31))
    assert (report.paper_records, report.attempt_details, report.pass_tokens) == (1, 1, 1)
    assert [c.pass_token for c in store.records.checkins(ACTIVITY)] == [None] * 8
    assert store.records.counts(ACTIVITY) == before
    assert store.records.counts(OPEN_ACTIVITY) == before_open
    assert sorted(c.registrant for c in store.records.checkins(ACTIVITY)) == ids_before  # ids stay
    papers = {
        p.checkin_id: p
        for c in store.records.checkins(ACTIVITY)
        if (p := store.records.paper_record(c.id))
    }
    purged = [p for p in papers.values() if p.purged_at]
    kept = [p for p in papers.values() if not p.purged_at]
    assert [(p.name, p.contact, p.municipality) for p in purged] == [("", "", "131016")]
    assert [p.name for p in kept] == ["佐藤 太郎"]  # not yet synced: kept
    rejected = [a for a in store.records.attempts(ACTIVITY) if a.outcome == "rejected"]
    assert [a.detail for a in rejected] == [""]
    assert [a.detail for a in store.records.attempts(OPEN_ACTIVITY) if a.outcome == "rejected"] == [
        "exp"
    ]
    audit = [a for a in store.records.audit_trail() if a.action == "purge"]
    assert len(audit) == 1
    assert audit[0].activity_id == ACTIVITY
    assert "1 paper records, 1 rejected-scan details, 1 pass tokens" in audit[0].reason
    again = purge_personal_data(store, days=30, now=T0 + timedelta(days=32))
    assert again.total == 0  # idempotent


def test_the_server_confirming_a_check_in_blanks_its_pass(store: Store) -> None:
    scans = [c for c in store.records.checkins(ACTIVITY) if c.jti]
    tokens = {(c.sync_status.value, c.pass_token is None) for c in scans}
    # confirmed: never sent again, so not kept; refused: kept until the retention purge
    assert tokens == {("accepted", True), ("rejected", False)}


def test_nothing_is_purged_inside_the_retention_period(store: Store) -> None:
    assert purge_personal_data(store, days=30, now=T0 + timedelta(days=29)).total == 0
    now = purge_personal_data(store, days=30, now=T0 + timedelta(days=1), ignore_period=True)
    assert now.total == 3


def test_kiosk_purge_command(
    tmp_path: Path, jwks_file: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    config = device_config(
        tmp_path,
        jwks_file,
        database=tmp_path / "kiosk.db",
        extra="[retention]\npersonal_data_days = 1\n",  # T0 is long past on the real clock
    )
    store.close()
    assert main(["purge", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "purged 1 paper-form records, 1 rejected-scan details and 1 pass tokens" in out
    assert main(["purge", "--config", str(config), "--now"]) == 0
    assert "purged 0 paper-form records" in capsys.readouterr().out
    log = (tmp_path / "log" / "kiosk.log").read_text(encoding="utf-8")
    assert '"msg": "purge"' in log
    assert "佐藤" not in log
    assert "山田" not in log


def test_purge_without_database_is_a_usage_error(
    tmp_path: Path, jwks_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = device_config(tmp_path, jwks_file)
    assert main(["purge", "--config", str(config)]) == 2
    assert "run `kiosk provision` first" in capsys.readouterr().err


def test_doctor_warns_about_personal_data_waiting_for_purge(
    tmp_path: Path, jwks_file: Path, store: Store
) -> None:
    from cli.doctor import Context, Status, run_checks
    from config.load import load_config

    path = device_config(
        tmp_path,
        jwks_file,
        database=tmp_path / "kiosk.db",
        extra="[retention]\npersonal_data_days = 1\n",  # T0 is long past on the real clock
    )
    config = load_config(path, environ={})
    ctx = Context(config, None, None, environ={})
    (before,) = run_checks(ctx, names=["retention"])
    assert before.result.status is Status.WARN
    assert before.result.details["due"] == 3  # 2 paper forms + 1 rejected-scan detail
    assert "kiosk purge" in before.result.fix
    purge_personal_data(store, days=30, now=T0 + timedelta(days=31))
    (after,) = run_checks(ctx, names=["retention"])
    assert after.result.details["due"] == 1  # the paper form not yet synced stays
