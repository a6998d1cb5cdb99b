"""Corrections reach the national API: voids and restores over real HTTP, real SQLite.

Undo at gate before upload never counts; a void after upload stops counting and the close-out
digest matches; a restore counts again or is refused as a conflict; lost responses are replayed;
a kiosk killed after a void still sends it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from cli.compose import sync_worker_for
from kiosk.closeout import CloseoutResult, close_day, closeout_submitter
from kiosk.models import Method
from sync.client import ApiClient
from sync.server.participation import fiscal_year_of
from sync.worker import SyncReport
from tests.e2e.sync.conftest import KioskFactory
from tests.e2e.sync.harness import ACTIVITY, ROOT, Kiosk, ServerProcess, subprocess_env

NOW = datetime.now(UTC)
KIOSK_SYNC = (sys.executable, "-m", "cli", "sync", "--config")


def sync(kiosk: Kiosk) -> SyncReport:
    service = sync_worker_for(kiosk.services, kiosk.token)
    assert service is not None
    try:
        report = service.run_once(max_failures=6, wait=lambda _s: False)
    finally:
        service.stop()
    assert report.error is None, report.error
    return report


def scan(kiosk: Kiosk, token: str) -> str:
    result = kiosk.services.checkins.submit(token, Method.CAMERA)
    assert result.outcome == "accepted", result
    assert result.checkin_id is not None
    return result.checkin_id


def registrant(kiosk: Kiosk, checkin_id: str) -> str:
    stored = kiosk.store.records.checkin(checkin_id)
    assert stored is not None
    return str(stored.registrant)


def participations(server: ServerProcess, sub: str) -> int:
    report = server.call("participations", registrant=sub, fiscal_year=fiscal_year_of(date.today()))
    return int(report["report"]["participations"])


def server_rows(server: ServerProcess) -> dict[str, list[Any]]:
    """check-in id -> [id, status, activity, registrant, device, voided]."""
    return {row[0]: row for row in server.checkins()}


@pytest.fixture
def close(server: ServerProcess) -> Iterator[Any]:
    clients: list[ApiClient] = []

    def close_out(kiosk: Kiosk) -> CloseoutResult:
        client = ApiClient(str(server.url), token=kiosk.secrets.device_token, timeout=5)
        clients.append(client)
        submit = closeout_submitter(client)
        return close_day(kiosk.store, ACTIVITY, "rmo", kiosk.services.clock, submit)

    yield close_out
    for client in clients:
        client.close()


def test_undo_at_gate_before_upload_never_reaches_the_server(
    server: ServerProcess, new_kiosk: KioskFactory, close: Any
) -> None:
    kiosk = new_kiosk()
    undone, kept = (scan(kiosk, token) for token in server.passes(2))
    kiosk.services.checkins.undo(undone)
    report = sync(kiosk)
    assert report.upload.accepted == 1
    assert report.upload.corrections.sent == 0  # settled on the device at the undo
    assert report.pending == 0
    rows = server_rows(server)
    assert undone not in rows
    assert rows[kept][1] == "accepted"
    assert participations(server, registrant(kiosk, undone)) == 0
    stored = kiosk.store.records.checkin(undone)
    assert stored is not None
    assert stored.sync_status == "withdrawn"
    result = close(kiosk)
    assert result.all_confirmed, result.describe()
    assert result.receipt is not None
    assert result.receipt["server_count"] == 1


def test_an_undo_at_one_gate_does_not_make_the_other_gate_a_duplicate(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    """Scanned at the wrong gate, undone there, scanned at the right one; the wrong gate
    happens to sync first. The person must count once: at the right gate."""
    wrong, right = new_kiosk("kiosk-a"), new_kiosk("kiosk-b")
    token = server.passes(1)[0]
    wrong.services.checkins.undo(scan(wrong, token))
    at_right = scan(right, token)
    sync(wrong)
    assert sync(right).upload.accepted == 1
    assert server_rows(server)[at_right][1] == "accepted"
    assert participations(server, registrant(right, at_right)) == 1


def test_a_void_after_upload_stops_counting_and_the_closeout_matches(
    server: ServerProcess, new_kiosk: KioskFactory, close: Any
) -> None:
    kiosk = new_kiosk()
    ids = [scan(kiosk, token) for token in server.passes(3)]
    assert sync(kiosk).upload.accepted == 3
    sub = registrant(kiosk, ids[0])
    assert participations(server, sub) == 1
    kiosk.store.corrections.void(ids[0], reason="wrong person", operator="rmo", at=NOW)
    assert kiosk.store.outbox.pending_counts() == (0, 1)

    early = close(kiosk)  # the coordinator closes before the correction went out
    assert early.pending_corrections == (ids[0],)
    assert early.digest_match is False
    assert not early.all_confirmed
    assert "1 corrections not yet uploaded" in early.describe()

    report = sync(kiosk)
    assert (report.upload.corrections.sent, report.upload.corrections.applied) == (1, 1)
    assert report.pending == 0
    assert participations(server, sub) == 0
    assert server_rows(server)[ids[0]][5] is True
    again = close(kiosk)  # sent again once the correction is through
    assert again.all_confirmed, again.describe()
    assert again.receipt is not None
    assert again.receipt["server_count"] == 2
    [correction] = kiosk.store.corrections.of(ids[0])
    assert correction.status == "applied"


def test_a_rescan_after_a_void_is_the_participation_on_the_server(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    """Void after upload, then the right scan of the same person: the void goes first."""
    kiosk = new_kiosk()
    token = server.passes(1)[0]
    first = scan(kiosk, token)
    sync(kiosk)
    kiosk.services.checkins.undo(first)
    second = scan(kiosk, token)
    report = sync(kiosk)
    assert report.upload.accepted == 1
    assert report.upload.duplicate == 0
    rows = server_rows(server)
    assert rows[first][5] is True
    assert (rows[second][1], rows[second][5]) == ("accepted", False)
    assert participations(server, registrant(kiosk, second)) == 1


def test_a_restore_after_upload_counts_again(
    server: ServerProcess, new_kiosk: KioskFactory, close: Any
) -> None:
    kiosk = new_kiosk()
    checkin_id = scan(kiosk, server.passes(1)[0])
    sync(kiosk)
    sub = registrant(kiosk, checkin_id)
    kiosk.store.corrections.void(checkin_id, reason="wrong person", operator="rmo", at=NOW)
    sync(kiosk)
    assert participations(server, sub) == 0
    kiosk.store.corrections.restore(checkin_id, reason="it was them", operator="rmo", at=NOW)
    report = sync(kiosk)
    assert report.upload.corrections.applied == 1
    assert participations(server, sub) == 1
    assert server_rows(server)[checkin_id][5] is False
    assert close(kiosk).all_confirmed


def test_a_restore_conflicting_with_another_kiosk_is_refused_and_digests_agree(
    server: ServerProcess, new_kiosk: KioskFactory, close: Any
) -> None:
    first, second = new_kiosk("kiosk-a"), new_kiosk("kiosk-b")
    token = server.passes(1)[0]
    at_first = scan(first, token)
    sync(first)
    first.store.corrections.void(at_first, reason="wrong person", operator="rmo", at=NOW)
    sync(first)
    at_second = scan(second, token)  # meanwhile the person checks in at the other gate
    assert sync(second).upload.accepted == 1
    first.store.corrections.restore(at_first, reason="it was them", operator="rmo", at=NOW)
    report = sync(first)
    assert report.upload.corrections.rejected == 1
    assert report.upload.corrections.rejected_reasons == {"conflict": 1}
    stored = first.store.records.checkin(at_first)
    assert stored is not None
    assert (stored.voided, stored.sync_status, stored.sync_reason) == (
        False,
        "duplicate",
        "conflict",
    )
    [_void, restore] = first.store.corrections.of(at_first)
    assert (restore.status, restore.result_reason) == ("rejected", "conflict")
    assert participations(server, registrant(first, at_first)) == 1
    rows = server_rows(server)
    assert rows[at_first][5] is True
    assert (rows[at_second][1], rows[at_second][5]) == ("accepted", False)
    for kiosk in (first, second):  # the shared server has other tests' people too
        result = close(kiosk)
        assert result.all_confirmed, result.describe()
        assert result.receipt is not None
        assert result.receipt["server_count"] == (0 if kiosk is first else 1)


def test_a_response_lost_after_commit_is_replayed_not_applied_twice(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk()
    ids = [scan(kiosk, token) for token in server.passes(4)]
    sync(kiosk)
    for checkin_id in ids[:3]:
        kiosk.store.corrections.void(checkin_id, reason="test run", operator="rmo", at=NOW)
    kiosk.store.corrections.restore(ids[0], reason="it was them", operator="rmo", at=NOW)
    server.faults(lost_after_commit_rate=1.0, remaining=2, paths=["/v1/checkins:corrections"])
    report = sync(kiosk)
    injected = server.call("fault_state")["state"]["injected"]
    assert injected == {"lost_after_commit": 2}
    assert report.upload.failures == 2
    corrections = report.upload.corrections
    assert (corrections.sent, corrections.applied, corrections.unchanged) == (4, 4, 0)
    assert {c.status for c in kiosk.store.corrections.of()} == {"applied"}  # the stored answer
    stored = [row for row in server.call("corrections")["corrections"] if row[1] in ids]
    assert len(stored) == 4  # each once
    assert sorted(row[3] for row in stored) == ["applied"] * 4
    rows = server_rows(server)
    assert [rows[i][5] for i in ids] == [False, True, True, False]


KILLED_AFTER_VOID = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from kiosk.store import Store
    store = Store.open(Path(sys.argv[1]))
    store.corrections.void(sys.argv[2], reason="wrong person", operator="rmo", at=datetime.now(UTC))
    print("voided", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # before any upload, without closing anything
    """
)


def test_a_kiosk_killed_between_void_and_upload_sends_it_after_restart(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk()
    ids = [scan(kiosk, token) for token in server.passes(2)]
    sync(kiosk)
    database = kiosk.directory / "kiosk.db"
    child = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_VOID, str(database), ids[0]],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL
    assert child.stdout.strip() == "voided"
    server.faults(lost_after_commit_rate=1.0, remaining=1, paths=["/v1/checkins:corrections"])
    done = subprocess.run(
        [*KIOSK_SYNC, str(kiosk.config_path), "--once", "--json"],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["pending"] == 0
    assert summary["corrections"] == {
        "sent": 1,
        "applied": 1,
        "unchanged": 0,
        "rejected": 0,
        "rejected_reasons": {},
        "skipped": 0,
        "pending": 0,
    }
    assert summary["retries"] == 1
    assert server_rows(server)[ids[0]][5] is True
    assert participations(server, registrant(kiosk, ids[0])) == 0
