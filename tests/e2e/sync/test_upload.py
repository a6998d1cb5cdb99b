"""Outbox upload over real HTTP: exactly once, however the network and server misbehave."""

from __future__ import annotations

import random
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cli.compose import sync_worker_for
from kiosk.models import Method
from sync.backoff import Backoff
from sync.client import ApiClient
from sync.enroll import enroll_device
from sync.uploader import Uploader
from tests.e2e.sync.conftest import KioskFactory, Scanner, StateWatcher, assert_exact
from tests.e2e.sync.harness import ServerProcess, kiosk_statuses, make_kiosk, queue_offline


def test_ten_thousand_queued_offline_arrive_exactly_once(tmp_path: Path) -> None:
    """Enrolled at set-up, then a day without the server: 10,000 wait; the server comes up."""
    server = ServerProcess(tmp_path)
    try:
        server.seed()
        url = server.listen()
        port = int(url.rsplit(":", 1)[1])
        kiosk = make_kiosk(tmp_path / "k", device_id="kiosk-a", url=url, jwks=server.jwks())
        enroll_device(url, server.enroll_token(), "kiosk-a", kiosk.secrets)
        passes = server.passes(10_000)
        server.call("stop_listening")  # the server goes away for the day
        ids = set(queue_offline(kiosk.directory / "kiosk.db", passes))
        service = sync_worker_for(kiosk.services, kiosk.token)
        assert service is not None
        offline = service.run_once(max_failures=2, wait=lambda _s: False)
        assert offline.error is not None
        assert offline.error.status is None  # connection refused: nobody listening
        assert not service.tracker.online
        assert kiosk.store.outbox.pending_count() == 10_000

        assert server.call("listen", port=port)["url"] == url  # the server comes up
        report = service.run_once(max_failures=3, wait=lambda _s: False)
        service.stop()
        assert report.error is None, report.error
        assert report.upload.accepted == 10_000
        assert report.upload.requests == 50  # batches of 200: the batch path, not 10,000 calls
        assert kiosk.store.outbox.pending_count() == 0
        assert set(assert_exact(server, kiosk)) == ids
        assert service.tracker.online
        kiosk.close()
    finally:
        server.close()


class Delays:
    """Injected backoff waiter: records each requested delay and returns at once."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    def __call__(self, seconds: float) -> bool:
        self.seen.append(seconds)
        return False


FAULTS: dict[str, dict[str, Any]] = {
    "error": {"error_rate": 0.35},
    "latency": {"latency_ms": 150},
    "throttle": {"throttle_rate": 0.35, "retry_after_s": 2},
    "unavailable": {"unavailable_rate": 0.35, "retry_after_s": 3},
    "dropped-connection": {"drop_rate": 0.35},
    "response-lost-after-commit": {"lost_after_commit_rate": 0.35},
    "mixed": {
        "error_rate": 0.08,
        "throttle_rate": 0.08,
        "unavailable_rate": 0.08,
        "drop_rate": 0.08,
        "lost_after_commit_rate": 0.12,
        "latency_ms": 20,
        "retry_after_s": 1,
    },
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_fault_while_scanning_continues_keeps_the_set_exact(
    fault: str, server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk(batch_size=25)
    queued = set(queue_offline(kiosk.directory / "kiosk.db", server.passes(150)))
    live_passes = server.passes(100)
    server.faults(seed=7, **FAULTS[fault])
    delays = Delays()
    # fast backoff: delays are recorded, not slept
    service = sync_worker_for(kiosk.services, kiosk.token, wait=delays)
    assert service is not None
    watcher = StateWatcher()
    service.start(watcher)
    scanner = Scanner(kiosk, live_passes, service.trigger)
    scanner.start()
    scanner.join(120)
    service.trigger()
    # the state alone could be from a pass that ended before the last scans: ask the store too
    watcher.wait_for(
        lambda s: s.pending == 0 and not s.uploading and kiosk.store.outbox.pending_count() == 0
    )
    service.stop()
    injected = server.call("fault_state")["state"]["injected"]
    server.faults()  # clear, so the check below reads a healthy server
    assert kiosk.store.outbox.pending_count() == 0
    accepted = assert_exact(server, kiosk)
    assert set(accepted) == queued | set(scanner.ids)
    if fault != "latency":
        assert sum(injected.values()) > 0, "the fault never fired"
    if fault in ("throttle", "unavailable"):
        floor = FAULTS[fault]["retry_after_s"]
        assert delays.seen
        assert all(d >= floor for d in delays.seen)


def test_retry_after_is_honoured_and_backoff_is_injected(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk()
    queue_offline(kiosk.directory / "kiosk.db", server.passes(10))
    server.faults(throttle_rate=1.0, remaining=2, retry_after_s=9, paths=["/v1/checkins"])
    delays = Delays()
    with ApiClient(str(server.url), token=kiosk.secrets.device_token, timeout=5) as client:
        uploader = Uploader(kiosk.store, client, backoff=Backoff(rng=random.Random(1)))
        summary = uploader.drain(wait=delays)
    assert summary.accepted == 10
    assert summary.failures == 2
    assert summary.requests == 3
    assert delays.seen == [9, 9]


def test_timeouts_then_recovery_resolve_committed_batches(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    """The server commits but answers after the client gave up; the retry gets the answer."""
    kiosk = new_kiosk(timeout=0.5)
    ids = set(queue_offline(kiosk.directory / "kiosk.db", server.passes(60)))
    server.faults(latency_ms=1500, paths=["/v1/checkins"])
    calls = 0

    def wait(_seconds: float) -> bool:
        nonlocal calls
        calls += 1
        if calls == 3:  # the network recovers after three timed-out attempts
            server.faults()
        return False

    with ApiClient(str(server.url), token=kiosk.secrets.device_token, timeout=0.5) as client:
        summary = Uploader(kiosk.store, client, batch_size=30).drain(wait=wait)
    assert summary.failures >= 3
    assert summary.accepted == 60
    assert set(assert_exact(server, kiosk)) == ids


def test_unauthorized_stops_uploads_until_reenrolled(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk()
    queue_offline(kiosk.directory / "kiosk.db", server.passes(40))
    server.faults(unauthorized_rate=1.0, paths=["/v1/checkins"])
    service = sync_worker_for(kiosk.services, kiosk.token)
    assert service is not None
    report = service.run_once(wait=lambda _s: False)
    assert report.needs_enrollment
    assert service.state.needs_enrollment
    assert report.upload.requests == 0 or report.upload.accepted == 0
    assert kiosk.store.outbox.pending_count() == 40
    server.faults()
    again = service.run_once(wait=lambda _s: False)  # same token: not retried for a while
    assert again.needs_enrollment
    assert again.upload.requests == 0
    enroll_device(str(server.url), server.enroll_token(), "kiosk-a", kiosk.secrets)
    resumed = service.run_once(wait=lambda _s: False)
    service.stop()
    assert not resumed.needs_enrollment
    assert resumed.upload.accepted == 40
    assert not service.state.needs_enrollment
    assert_exact(server, kiosk)


def test_disabled_device_gets_needs_enrollment_from_the_real_401(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk()
    queue_offline(kiosk.directory / "kiosk.db", server.passes(5))
    server_id = kiosk.secrets.get("server_device_id")
    server.call("disable_device", device_id=server_id)
    service = sync_worker_for(kiosk.services, kiosk.token)
    assert service is not None
    report = service.run_once(wait=lambda _s: False)
    service.stop()
    assert report.needs_enrollment
    assert kiosk.store.outbox.pending_count() == 5


def test_two_kiosks_same_registrant_offline_one_participation(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    first, second = new_kiosk("kiosk-a"), new_kiosk("kiosk-b")
    shared = server.passes(1)[0]
    own = server.passes(2)
    a = first.services.checkins.submit(shared, Method.CAMERA)
    first.services.checkins.submit(own[0], Method.CAMERA)
    b = second.services.checkins.submit(shared, Method.CAMERA)  # the same person, other gate
    second.services.checkins.submit(own[1], Method.WEDGE)
    assert a.outcome == b.outcome == "accepted"  # each gate decided offline
    for kiosk in (first, second):
        service = sync_worker_for(kiosk.services, kiosk.token)
        assert service is not None
        report = service.run_once(wait=lambda _s: False)
        service.stop()
        assert report.error is None
    assert kiosk_statuses(first.directory / "kiosk.db")[str(a.checkin_id)] == "accepted"
    assert kiosk_statuses(second.directory / "kiosk.db")[str(b.checkin_id)] == "duplicate"
    accepted = assert_exact(server, first, second)
    assert len(accepted) == 3  # one participation for the shared registrant
    counts = second.store.records.counts("act-2026-11-23-beach")
    assert counts.server_duplicates == 1
    assert counts.confirmed == 1


def test_service_thread_reports_progress_offline_and_back_online(
    tmp_path: Path, server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk(batch_size=50)
    queue_offline(kiosk.directory / "kiosk.db", server.passes(400))
    # fast, bounded backoff waits (the offline phase must not spin)
    service = sync_worker_for(
        kiosk.services,
        kiosk.token,
        wait=lambda s: threading.Event().wait(min(s, 0.05)),
    )
    assert service is not None
    watcher = StateWatcher()
    service.start(watcher)
    watcher.wait_for(lambda s: s.pending == 0 and s.last_success is not None)
    progress = [s for s in watcher.states if s.uploading]
    assert progress
    assert progress[0].backlog_at_start == 400
    assert all(s.online for s in watcher.states)

    server.faults(offline=True)  # the venue's network goes away
    service.trigger()
    watcher.wait_for(lambda s: not s.online)
    scanned = kiosk.services.checkins.submit(server.passes(1)[0], Method.CAMERA)
    assert scanned.outcome == "accepted"  # scanning does not wait for the network
    server.faults()
    service.trigger()
    watcher.wait_for(
        lambda s: s.online and s.pending == 0 and kiosk.store.outbox.pending_count() == 0
    )
    service.stop()
    assert scanned.checkin_id is not None
    assert kiosk_statuses(kiosk.directory / "kiosk.db")[scanned.checkin_id] == "accepted"
    assert_exact(server, kiosk)


def test_a_malformed_item_is_isolated_and_the_rest_go_through(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    """One row the server refuses as malformed (422) must not block the outbox forever."""
    kiosk = new_kiosk()
    database = kiosk.directory / "kiosk.db"
    good = queue_offline(database, server.passes(6))
    poison = queue_offline(database, server.passes(1), activity="x" * 200)  # > 128 characters
    good += queue_offline(database, server.passes(5))
    with ApiClient(str(server.url), token=kiosk.secrets.device_token, timeout=5) as client:
        summary = Uploader(kiosk.store, client, batch_size=200).drain(wait=Delays())
    assert summary.accepted == 11
    assert summary.invalid == 1
    statuses = kiosk_statuses(database)
    assert statuses[poison[0]] == "rejected"
    assert kiosk.store.outbox.pending_count() == 0
    assert {i for i, s in statuses.items() if s == "accepted"} == set(good)
    assert server.accepted_ids() >= set(good)
    assert poison[0] not in {row[0] for row in server.checkins()}


def test_closeout_receipt_matches_after_sync(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    from kiosk.closeout import checkin_digest

    kiosk = new_kiosk()
    ids = queue_offline(kiosk.directory / "kiosk.db", server.passes(12))
    service = sync_worker_for(kiosk.services, kiosk.token)
    assert service is not None
    assert service.run_once(wait=Delays()).ok
    service.stop()
    activity = kiosk.store.activities.get("act-2026-11-23-beach")
    assert activity is not None
    with ApiClient(str(server.url), token=kiosk.secrets.device_token, timeout=5) as client:
        receipt = client.closeout(
            activity_id=activity.id,
            day=date.fromisoformat(activity.date),
            device_count=len(ids),
            digest=checkin_digest(ids),
        )
    assert receipt["digest_match"] is True
    assert receipt["server_count"] == 12
