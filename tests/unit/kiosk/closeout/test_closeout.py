"""Close-out: digest (equal to the server's), counts per hour, close the day, receipts."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from kiosk.checkins import CheckinService
from kiosk.clock import JST, FixedClock
from kiosk.closeout import (
    checkin_digest,
    close_day,
    closeout_payload,
    closeout_submitter,
    hourly,
    summarize,
)
from kiosk.models import Method, Outcome, Reason, UploadOutcome
from kiosk.new_checkins import PAPER_PREFIX, manual_checkin
from kiosk.store import RecordError
from tests.passkit import PassKit
from tests.unit.kiosk.closeout.conftest import ACTIVITY_ID, DAY, accept, scan
from tests.unit.kiosk.closeout.server_side import server_closeout, server_digests

SUBS = ["FR0000000001", "FR0000000002", "FR0000000003", "FR0000000004", "FR0000000005"]


def test_digest_equals_the_servers_for_the_same_sets() -> None:
    rng = random.Random(7)
    sets = [
        [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)]
        for n in (0, 1, 2, 3, 10, 250)
    ]
    sets.append([i.upper() for i in sets[-1]])  # the server lower-cases, so must we
    assert [checkin_digest(ids) for ids in sets] == server_digests(sets)
    assert checkin_digest(reversed(sets[4])) == checkin_digest(sets[4])


def test_digest_of_nothing_is_sha256_of_the_empty_string() -> None:
    assert checkin_digest([]) == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_close_day_with_the_reference_server_matches_and_reports_all_confirmed(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    store = service.store
    ids: list[str] = []
    for sub in SUBS:
        ids.append(accept(service, kit, sub))
        clock.advance(1800)
    assert scan(service, kit, SUBS[0]).outcome is Outcome.DUPLICATE
    store.corrections.void(
        ids[4], reason="scanned twice by mistake", operator="coord", at=clock.now()
    )

    # The reference server holds what the uploader sent: ids[0..3] accepted from this device,
    # and another kiosk's participant at the same activity.
    store.outbox.apply_results([(cid, "accepted", None) for cid in ids[:4]], at=clock.now())
    on_server = [
        {"id": cid, "device": "dev-a", "registrant": sub}
        for cid, sub in zip(ids[:4], SUBS[:4], strict=True)
    ] + [{"id": str(uuid.uuid4()), "device": "dev-b", "registrant": "FR00000000ZZ"}]
    activity = {"id": ACTIVITY_ID, "name": "浜辺", "date": DAY, "municipality": "131016"}
    sent: list[dict[str, Any]] = []

    def submit(payload: dict[str, object]) -> dict[str, object]:
        sent.append(dict(payload))
        (receipt,) = server_closeout(activity, on_server, [payload])
        return receipt

    result = close_day(store, ACTIVITY_ID, "coord", clock, submit)

    assert result.newly_closed
    assert result.uploaded
    assert result.count == 4
    assert result.digest == checkin_digest(ids[:4])
    assert result.receipt is not None
    assert result.receipt["server_digest"] == result.digest
    assert result.digest_match is True
    assert result.all_confirmed
    assert result.describe() == "closed, all 4 confirmed"
    assert result.combined_unique == 5  # both kiosks
    row = store.activities.get(ACTIVITY_ID)
    assert row is not None
    assert row.closed_at is not None
    assert row.closeout_digest == result.digest
    assert summarize(store, ACTIVITY_ID).receipt == result.receipt
    assert [a.action for a in store.records.audit_trail() if a.action == "close"] == ["close"]


def test_closing_offline_lists_what_is_pending_then_uploads_later(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    store = service.store
    ids = [accept(service, kit, sub) for sub in SUBS[:3]]
    store.outbox.apply_results([(ids[0], "accepted", None)], at=clock.now())

    offline = close_day(store, ACTIVITY_ID, "coord", clock)
    assert offline.newly_closed
    assert not offline.all_confirmed
    assert set(offline.pending_ids) == set(ids[1:])
    assert offline.receipt is None
    assert offline.upload_error == "offline"
    assert "2 check-ins not yet uploaded" in offline.describe()

    def failing(payload: dict[str, object]) -> dict[str, object]:
        raise ConnectionError("network unreachable\x1b[31m")

    failed = close_day(store, ACTIVITY_ID, "coord", clock, failing)
    assert not failed.newly_closed
    assert failed.receipt is None
    assert failed.upload_error == "network unreachable"

    store.outbox.apply_results([(i, "accepted", None) for i in ids[1:]], at=clock.now())
    sent: list[dict[str, object]] = []

    def server(payload: dict[str, object]) -> dict[str, object]:
        sent.append(payload)
        return {"receipt_id": "r-1", "digest_match": True, "combined_unique_count": 3}

    later = close_day(store, ACTIVITY_ID, "coord", clock, server)
    assert later.all_confirmed
    assert later.uploaded
    assert sent == [
        {"activity_id": ACTIVITY_ID, "date": DAY, "device_count": 3, "digest": checkin_digest(ids)}
    ]
    again = close_day(store, ACTIVITY_ID, "coord", clock, server)
    assert not again.uploaded
    assert len(sent) == 1


def test_server_refused_checkins_are_left_out_of_the_digest(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    ids = [accept(service, kit, sub) for sub in SUBS[:3]]
    service.store.outbox.apply_results(
        [(ids[0], "accepted", None), (ids[1], "duplicate", None), (ids[2], "rejected", "revoked")],
        at=clock.now(),
    )
    summary = summarize(service.store, ACTIVITY_ID)
    assert summary.digest_count == 1
    assert summary.digest == checkin_digest([ids[0]])
    payload = closeout_payload(summary.activity, summary.digest, summary.digest_count)
    assert payload["device_count"] == 1


def test_a_closed_day_rejects_new_checkins_with_a_clear_reason(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    first = accept(service, kit, SUBS[0])
    close_day(service.store, ACTIVITY_ID, "coord", clock)

    late = scan(service, kit, SUBS[1])
    assert late.outcome is Outcome.REJECTED
    assert late.reason is Reason.ACTIVITY_CLOSED
    assert late.checkin_id is None
    with pytest.raises(RecordError, match="activity_closed"):
        service.store.records.add_manual(
            manual_checkin(ACTIVITY_ID, SUBS[2], method=Method.MANUAL, operator="c", clock=clock),
            reason="late arrival",
        )
    with pytest.raises(RecordError, match="activity_closed"):
        service.store.corrections.void(first, reason="x", operator="c", at=clock.now())
    counts = service.store.records.counts(ACTIVITY_ID)
    assert counts.accepted == 1
    assert counts.rejected_by_reason == {"activity_closed": 1}


def test_void_and_restore_leave_an_audit_trail(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    store = service.store
    cid = accept(service, kit, SUBS[0])
    with pytest.raises(RecordError, match="reason"):
        store.corrections.void(cid, reason="  ", operator="coord", at=clock.now())
    clock.advance(60)
    store.corrections.void(cid, reason="wrong person", operator="coord", at=clock.now())
    assert store.records.counts(ACTIVITY_ID).voided == 1
    clock.advance(60)
    store.corrections.restore(
        cid, reason="it was right after all", operator="coord2", at=clock.now()
    )
    trail = [(a.action, a.operator, a.reason) for a in store.records.audit_trail(cid)]
    assert trail == [
        ("checkin", "gate", ""),
        ("void", "coord", "wrong person"),
        ("restore", "coord2", "it was right after all"),
    ]
    counts = store.records.counts(ACTIVITY_ID)
    assert (counts.accepted, counts.voided) == (1, 0)


def test_restore_is_refused_when_the_registrant_checked_in_again(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    cid = accept(service, kit, SUBS[0])
    service.store.corrections.void(cid, reason="undo", operator="gate", at=clock.now())
    assert scan(service, kit, SUBS[0]).outcome is Outcome.ACCEPTED
    with pytest.raises(RecordError, match="live check-in"):
        service.store.corrections.restore(cid, reason="mistake", operator="coord", at=clock.now())


def test_hourly_counts_fill_empty_hours_in_jst(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    scan(service, kit, SUBS[0])  # 09:30 JST
    clock.advance(600)
    scan(service, kit, SUBS[1])  # 09:40
    clock.advance(2 * 3600)
    scan(service, kit, SUBS[2], tier="basic")  # 11:40
    summary = summarize(service.store, ACTIVITY_ID)
    assert [(h.label, h.count) for h in summary.hourly] == [
        ("09:00", 2),
        ("10:00", 0),
        ("11:00", 1),
    ]
    assert summary.hourly[0].hour.utcoffset() == timedelta(hours=9)
    assert summary.premium_share == pytest.approx(2 / 3)
    assert hourly([]) == ()


def test_corrected_time_is_used_when_the_clock_was_untrusted(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    clock.set_server_offset(timedelta(hours=3))
    scan(service, kit, SUBS[0])
    (hour,) = summarize(service.store, ACTIVITY_ID).hourly
    assert hour.hour == datetime(2026, 11, 23, 12, tzinfo=JST)


def test_manual_checkin_for_a_paper_participant_gets_a_placeholder(clock: FixedClock) -> None:
    new = manual_checkin(ACTIVITY_ID, None, method=Method.PAPER, operator="coord", clock=clock)
    assert new.registrant.startswith(PAPER_PREFIX)
    assert new.operator == "coord"
    typed = manual_checkin(
        ACTIVITY_ID, " fr0000000001 ", method=Method.MANUAL, operator="c", clock=clock
    )
    assert typed.registrant == "FR0000000001"


def test_summary_of_an_unknown_activity_is_an_error(service: CheckinService) -> None:
    with pytest.raises(RecordError):
        summarize(service.store, "nope")
    with pytest.raises(RecordError):
        close_day(service.store, "nope", "c", service.clock)


def test_closeout_submitter_adapts_the_api_client(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    calls: list[dict[str, object]] = []

    class Client:
        def closeout(
            self, *, activity_id: str, day: date, device_count: int, digest: str
        ) -> dict[str, Any]:
            calls.append({"activity_id": activity_id, "day": day, "n": device_count, "d": digest})
            return {"receipt_id": "r", "digest_match": True, "combined_unique_count": 1}

    cid = accept(service, kit, SUBS[0])
    service.store.outbox.apply_results([(cid, "accepted", None)], at=clock.now())
    result = close_day(service.store, ACTIVITY_ID, "coord", clock, closeout_submitter(Client()))
    assert result.all_confirmed
    assert calls == [
        {"activity_id": ACTIVITY_ID, "day": date(2026, 11, 23), "n": 1, "d": checkin_digest([cid])}
    ]


def test_corrections_not_yet_sent_are_listed_as_pending(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    from kiosk.exports.summary import summary_text

    store = service.store
    ids = [accept(service, kit, sub) for sub in SUBS[:2]]
    store.outbox.claim_batch(10, at=clock.now())  # uploaded: a void is now a correction to send
    store.outbox.apply_results([(i, "accepted", None) for i in ids], at=clock.now())
    store.corrections.void(ids[0], reason="wrong person", operator="coord", at=clock.now())

    offline = close_day(store, ACTIVITY_ID, "coord", clock)
    assert offline.pending_ids == ()
    assert offline.pending_corrections == (ids[0],)
    assert offline.count == 1
    assert "1 corrections not yet uploaded" in offline.describe()
    assert summarize(store, ACTIVITY_ID).pending_corrections == (ids[0],)
    assert ids[0] in summary_text([summarize(store, ACTIVITY_ID)], generated_at=clock.now())

    [correction] = store.corrections.next_batch(10)
    store.corrections.apply_results([(correction.id, "applied", None)], at=clock.now())

    def server(payload: dict[str, object]) -> dict[str, object]:
        assert payload["digest"] == checkin_digest(ids[1:])
        return {"receipt_id": "r-1", "digest_match": True, "combined_unique_count": 1}

    later = close_day(store, ACTIVITY_ID, "coord", clock, server)
    assert later.pending_corrections == ()
    assert later.all_confirmed, later.describe()


def test_closing_waits_for_the_upload_and_sends_nothing_while_checkins_are_pending(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    store = service.store
    ids = [accept(service, kit, sub) for sub in SUBS[:3]]
    sent: list[dict[str, object]] = []
    flushes: list[int] = []

    def server(payload: dict[str, object]) -> dict[str, object]:
        sent.append(payload)
        return {"receipt_id": "r-1", "digest_match": True, "unsynced_devices": []}

    def stuck_upload() -> UploadOutcome:  # the national API answered nothing
        flushes.append(store.outbox.pending_count())
        return UploadOutcome(0, store.outbox.pending_count(), "national API unreachable")

    waiting = close_day(store, ACTIVITY_ID, "coord", clock, server, flush=stuck_upload)
    assert (waiting.waiting_for_upload, waiting.uploaded, sent) == (True, False, [])
    assert waiting.upload_error == "national API unreachable"
    assert set(waiting.pending_ids) == set(ids)
    assert flushes == [3]  # the day was frozen before the upload was asked for

    def upload() -> UploadOutcome:  # what the sync worker does: answers for every item
        store.outbox.claim_batch(10, at=clock.now())
        done = store.outbox.apply_results([(i, "accepted", None) for i in ids], at=clock.now())
        return UploadOutcome(done, store.outbox.pending_count())

    closed = close_day(store, ACTIVITY_ID, "coord", clock, server, flush=upload)
    assert (closed.waiting_for_upload, closed.uploaded, closed.all_confirmed) == (
        False,
        True,
        True,
    )
    assert sent == [
        {"activity_id": ACTIVITY_ID, "date": DAY, "device_count": 3, "digest": checkin_digest(ids)}
    ]
