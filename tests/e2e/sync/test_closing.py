"""Closing the day against the real reference server: the close-out waits for the upload, names
the gates that have not synced, and duplicates keep their story (which gate, what time)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from cli.commands.run import closeout_submit, gate_status
from cli.compose import sync_worker_for
from kiosk.clock import FixedClock
from kiosk.closeout import close_day, summarize
from kiosk.exports import export_day
from kiosk.models import Method, Outcome
from sync.enroll import enroll_device
from sync.worker import SyncWorker
from tests.e2e.sync.conftest import KioskFactory, StateWatcher
from tests.e2e.sync.harness import Kiosk, ServerProcess


def worker_of(kiosk: Kiosk) -> SyncWorker:
    worker = sync_worker_for(kiosk.services, kiosk.token)
    assert worker is not None
    return worker


SAPPORO = "011002"  # a municipality of its own per test: the activity lists only its gates
OSAKA = "271004"


def enrolled(
    new_kiosk: KioskFactory,
    server: ServerProcess,
    device: str,
    name: str,
    municipality: str | None = None,
    **kw: object,
) -> Kiosk:
    """A kiosk enrolled under the name people call it (as `kiosk provision` does)."""
    kiosk = new_kiosk(device, enroll=False, **kw)
    token = server.enroll_token(municipality)
    enroll_device(str(server.url), token, device, kiosk.secrets, name=name)
    return kiosk


def scan(kiosk: Kiosk, passes: list[str]) -> list[str]:
    ids = []
    for token in passes:
        result = kiosk.services.checkins.submit(token, Method.CAMERA)
        assert result.outcome is Outcome.ACCEPTED, result
        assert result.checkin_id is not None
        ids.append(result.checkin_id)
    return ids


def test_closing_names_the_gate_that_still_holds_checkins(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    activity = "act-two-gates"
    server.seed({"id": activity, "municipality": SAPPORO})
    gate1 = enrolled(new_kiosk, server, "kiosk-g1", "Gate 1", SAPPORO, activity=activity)
    gate2 = enrolled(new_kiosk, server, "kiosk-g2", "Gate 2", SAPPORO, activity=activity)
    scan(gate1, server.passes(2))
    scan(gate2, server.passes(4))
    # Gate 2's uploads reach the server but the answers never come back; it gives up.
    server.faults(lost_after_commit_rate=1.0, paths=["/v1/checkins:batch"], remaining=2)
    stuck = worker_of(gate2)
    try:
        report = stuck.run_once(max_failures=2, wait=lambda _s: False, pull=False)
    finally:
        stuck.stop()
    assert report.error is not None
    assert report.pending == 4
    server.faults()

    others = gate_status(gate1.services, gate1.secrets)
    assert others is not None
    waiting = [g for g in others(activity) if g.unsynced]
    assert [(g.label, g.pending_uploads) for g in waiting] == [("Gate 2", 4)]

    worker = worker_of(gate1)
    try:
        result = close_day(
            gate1.store,
            activity,
            "rmo",
            gate1.services.clock,
            closeout_submit(gate1.services, gate1.secrets),
            flush=lambda: worker.flush(60.0),
        )
    finally:
        worker.stop()
    assert result.all_confirmed, result.describe()
    assert [(g.label, g.pending_uploads) for g in result.unsynced_gates] == [("Gate 2", 4)]
    assert result.describe() == "closed, all 2 confirmed; gates not synced: Gate 2 (4)"
    text = export_day(
        gate1.store,
        summarize(gate1.store, activity).activity.date,
        "summary",
        generated_at=datetime.now(UTC),
    ).data.decode("utf-8-sig")
    assert "Gate 2  4 件未送信 / pending" in text

    # Gate 2 syncs: its last request says nothing is left, and nobody names it any more.
    again = worker_of(gate2)
    try:
        done = again.run_once(max_failures=2, wait=lambda _s: False, pull=False)
    finally:
        again.stop()
    assert done.error is None
    assert done.pending == 0
    assert [g for g in others(activity) if g.unsynced] == []


def test_a_void_one_second_before_closing_is_in_the_receipt(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    activity = "act-last-void"
    server.seed(activity)
    clock = FixedClock(datetime.now(UTC))
    kiosk = new_kiosk(activity=activity, clock=clock)
    worker = worker_of(kiosk)
    watcher = StateWatcher()
    worker.start(watcher)
    try:
        ids = scan(kiosk, server.passes(3))
        worker.trigger()
        watcher.wait_for(lambda s: s.pending == 0 and s.last_success is not None)
        kiosk.store.corrections.void(ids[0], reason="wrong person", operator="rmo", at=clock.now())
        clock.advance(1)  # the coordinator closes one second later
        result = close_day(
            kiosk.store,
            activity,
            "rmo",
            clock,
            closeout_submit(kiosk.services, kiosk.secrets),
            flush=lambda: worker.flush(60.0),
        )
    finally:
        worker.stop()
    assert result.all_confirmed, result.describe()
    assert (result.national.voided, result.national.server_count, result.count) == (1, 2, 2)
    assert result.receipt is not None
    assert result.receipt["digest_match"] is True


def test_closing_cuts_short_a_worker_waiting_out_an_outage(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    """The server was down a moment ago and asked for a long pause (Retry-After); closing the
    day does not wait for the pause to end: it uploads at once, then sends the close-out."""
    activity = "act-outage"
    server.seed(activity)
    kiosk = new_kiosk(activity=activity)
    worker = worker_of(kiosk)
    watcher = StateWatcher()
    server.faults(
        unavailable_rate=1.0, retry_after_s=3600, paths=["/v1/checkins:batch"], remaining=1
    )
    worker.start(watcher)
    try:
        scan(kiosk, server.passes(2))
        worker.trigger()
        watcher.wait_for(lambda s: s.uploading > 0)  # the worker tries, and is told to wait
        while server.call("fault_state")["state"]["remaining"] != 0:
            pass  # one round trip per look at the server's state
        outcome = worker.flush(120.0)
        assert (outcome.complete, outcome.error) == (True, ""), outcome
        result = close_day(
            kiosk.store,
            activity,
            "rmo",
            kiosk.services.clock,
            closeout_submit(kiosk.services, kiosk.secrets),
            flush=lambda: worker.flush(120.0),
        )
    finally:
        worker.stop()
    assert result.all_confirmed, result.describe()


def test_a_duplicate_keeps_the_gate_and_time_it_was_first_checked_in(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    activity = "act-story"
    server.seed(activity)
    first_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    gate1 = enrolled(
        new_kiosk, server, "kiosk-s1", "Gate 1", activity=activity, clock=FixedClock(first_at)
    )
    gate2 = enrolled(
        new_kiosk,
        server,
        "kiosk-s2",
        "Gate 2",
        activity=activity,
        clock=FixedClock(first_at + timedelta(minutes=5)),
    )
    (token,) = server.passes(1, iat=int((first_at - timedelta(hours=1)).timestamp()))
    (first,) = scan(gate1, [token])
    (second,) = scan(gate2, [token])  # both offline: each gate accepts the person
    for kiosk in (gate1, gate2):
        worker = worker_of(kiosk)
        try:
            assert worker.run_once(max_failures=2, wait=lambda _s: False).error is None
        finally:
            worker.stop()

    row = gate2.store.records.checkin(second)
    assert row is not None
    assert (row.sync_status, row.first_checkin_id, row.first_device_name) == (
        "duplicate",
        first,
        "Gate 1",
    )
    assert row.first_scanned_at is not None
    assert datetime.fromisoformat(row.first_scanned_at) == first_at

    again = gate2.services.checkins.submit(token, Method.CAMERA)  # the person comes back
    assert again.outcome is Outcome.DUPLICATE
    assert (again.first_device, again.first_at) == ("Gate 1", first_at)
    summary = summarize(gate2.store, activity)
    assert [c.id for c in summary.server_duplicates] == [second]
    text = export_day(
        gate2.store, summary.activity.date, "summary", generated_at=datetime.now(UTC)
    ).data.decode("utf-8-sig")
    assert "Gate 1" in text.split("他端末で記録済の記録")[1]


def test_a_running_gate_tells_the_server_it_has_uploaded_once_scans_pause(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    activity = "act-quiet"
    server.seed({"id": activity, "municipality": OSAKA})
    gate1 = enrolled(new_kiosk, server, "kiosk-q1", "Gate 1", OSAKA, activity=activity)
    gate2 = enrolled(new_kiosk, server, "kiosk-q2", "Gate 2", OSAKA, activity=activity)
    others = gate_status(gate1.services, gate1.secrets)
    assert others is not None
    worker = worker_of(gate2)
    watcher = StateWatcher()
    worker.start(watcher)
    try:
        watcher.wait_for(lambda s: s.last_success is not None)  # the first pass pulled
        scan(gate2, server.passes(3))
        worker.trigger()
        # the upload of the three has begun (seen in any state posted since)
        watcher.wait_for(lambda _s: any(x.backlog_at_start == 3 for x in watcher.states))
        watcher.wait_for(lambda s: s.pending == 0 and s.backlog_at_start == 0)
        pause = threading.Event()
        declared: list[int | None] = []
        for _ in range(400):  # bounded polling of the server's view (<= 20 s)
            declared = [g.pending_uploads for g in others(activity) if g.label == "Gate 2"]
            if declared == [0]:
                break
            pause.wait(0.05)
    finally:
        worker.stop()
    assert declared == [0]
