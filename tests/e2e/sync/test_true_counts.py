"""True counts end to end: real kiosks upload to the real reference server over loopback, and
what the national system decides — refused, conflicting, not counting — is what the day's
counts, the close-out and every export show."""

from __future__ import annotations

import csv
import io
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx

from cli.commands.run import closeout_submit
from cli.compose import sync_worker_for
from config.secrets import SERVER_DEVICE_ID
from kiosk.clock import JST, FixedClock
from kiosk.closeout import close_day, summarize
from kiosk.exports import COLUMNS, export_day
from kiosk.exports.record_form import EXCLUDED_REJECTED, NOT_ATTESTED
from kiosk.models import Method, Outcome, mask_registrant
from kiosk.new_checkins import manual_checkin
from kiosk.store import Attestation
from sync.enroll import enroll_device
from sync.worker import SyncWorker
from tests.e2e.sync.conftest import KioskFactory
from tests.e2e.sync.harness import Kiosk, ServerProcess, _claims

SAPPORO = "011002"
NOW = datetime.now(UTC)


def worker_of(kiosk: Kiosk) -> SyncWorker:
    worker = sync_worker_for(kiosk.services, kiosk.token)
    assert worker is not None
    return worker


def sync(kiosk: Kiosk, *, pull: bool = False) -> Any:
    """One pass of the kiosk's own sync worker (fast backoff waits)."""
    worker = worker_of(kiosk)
    try:
        return worker.run_once(max_failures=3, wait=lambda _s: False, pull=pull)
    finally:
        worker.stop()


def close(kiosk: Kiosk, activity: str) -> Any:
    """Close the day as the coordinator screen does: upload first, then the close-out."""
    worker = worker_of(kiosk)
    try:
        submit = closeout_submit(kiosk.services, kiosk.secrets)
        return close_day(
            kiosk.store,
            activity,
            "rmo",
            kiosk.services.clock,
            submit,
            flush=lambda: worker.flush(60.0),
        )
    finally:
        worker.stop()


def scan(kiosk: Kiosk, passes: list[str]) -> list[str]:
    """Scan each pass at the gate; every one is accepted here. Returns the check-in ids."""
    ids = []
    for token in passes:
        result = kiosk.services.checkins.submit(token, Method.CAMERA)
        assert result.outcome is Outcome.ACCEPTED, result
        assert result.checkin_id is not None
        ids.append(result.checkin_id)
    return ids


def export_rows(kiosk: Kiosk, fmt: str) -> list[list[str]]:
    day = kiosk.services.clock.now().astimezone(JST).date().isoformat()
    data = export_day(kiosk.store, day, fmt, generated_at=NOW).data
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def premium(server: ServerProcess, registrant: str, fiscal_year: int) -> dict[str, Any]:
    """The national premium report, over HTTP with the admin token."""
    response = httpx.get(
        f"{server.url}/v1/registrants/{registrant}/premium",
        params={"fiscal_year": fiscal_year},
        headers={"Authorization": f"Bearer {server.admin_token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def fiscal_year(day: datetime) -> int:
    local = day.astimezone(JST)
    return local.year if local.month >= 4 else local.year - 1


def test_a_pass_revoked_before_an_offline_scan_is_rejected_by_the_server_and_left_off_the_form(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    activity = "act-revoked"
    server.seed(activity)
    kiosk = new_kiosk(activity=activity)
    passes = server.passes(4)
    revoked = passes[3]
    server.call("revoke", jti=_claims(revoked)["jti"])  # the kiosk has not pulled it
    ids = scan(kiosk, passes)
    counts = kiosk.store.records.counts(activity)
    assert (counts.accepted, counts.confirmed, counts.pending_upload) == (4, 0, 4)

    result = close(kiosk, activity)

    counts = kiosk.store.records.counts(activity)
    assert (counts.accepted, counts.confirmed, counts.counted) == (4, 3, 3)
    assert (counts.server_rejected, counts.server_rejected_by_reason) == (1, {"revoked": 1})
    summary = summarize(kiosk.store, activity)
    assert [c.id for c in summary.server_rejected] == [ids[3]]
    assert summary.digest_count == 3
    assert result.all_confirmed, result.describe()
    national = result.national
    assert (national.received, national.rejected, national.server_count) == (4, 1, 3)
    assert national.rejected_reasons == {"revoked": 1}
    assert national.counted == 3

    form = export_rows(kiosk, "form")
    listed = {row[4] for row in form if row and row[0].isdigit()}
    assert listed == {mask_registrant(_claims(p)["sub"]) for p in passes[:3]}
    assert ["参加者数", "3"] in form
    assert [EXCLUDED_REJECTED, "1"] in form

    header, *rows = export_rows(kiosk, "csv")
    assert header == [label for _, label in COLUMNS]
    keys = [key for key, _ in COLUMNS]
    by_id = {row[keys.index("checkin_id")]: dict(zip(keys, row, strict=True)) for row in rows}
    rejected = by_id[ids[3]]
    assert (rejected["national_code"], rejected["server_reason_code"]) == ("rejected", "revoked")
    assert (rejected["national"], rejected["server_reason"]) == ("不受理", "失効済みのパス")
    assert {by_id[i]["national_code"] for i in ids[:3]} == {"counted"}

    text = export_day(kiosk.store, summary.activity.date, "summary", generated_at=NOW).data.decode(
        "utf-8-sig"
    )
    listing = text.split("サーバで不受理の記録 (rejected by the national system)")[1]
    assert f"{mask_registrant(_claims(revoked)['sub'])}  revoked" in listing.splitlines()[1]


def test_scans_dated_in_the_future_or_off_the_activity_day_are_rejected_with_their_reasons(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    activity = "act-clock"
    server.seed(activity)
    old = int((NOW - timedelta(days=30)).timestamp())
    early, late = server.passes(2, iat=old)
    ahead = new_kiosk("kiosk-ahead", activity=activity, clock=FixedClock(NOW + timedelta(hours=1)))
    back = new_kiosk("kiosk-back", activity=activity, clock=FixedClock(NOW - timedelta(days=3)))
    assert ahead.services.checkins.submit(late, Method.CAMERA).outcome is Outcome.ACCEPTED
    assert back.services.checkins.submit(early, Method.CAMERA).outcome is Outcome.ACCEPTED

    assert sync(ahead).upload.rejected_reasons == {"scanned_in_future": 1}
    assert sync(back).upload.rejected_reasons == {"scanned_outside_activity_day": 1}

    for kiosk, reason in ((ahead, "scanned_in_future"), (back, "scanned_outside_activity_day")):
        (checkin,) = kiosk.store.records.checkins(activity)
        assert (checkin.sync_status, checkin.sync_reason, checkin.counts) == (
            "rejected",
            reason,
            False,
        )
        counts = kiosk.store.records.counts(activity)
        assert (counts.accepted, counts.server_rejected, counts.counted) == (1, 1, 0)
        assert counts.server_rejected_by_reason == {reason: 1}


def _copy_database(source: Path, target: Path) -> None:
    """What restoring gate A's backup onto gate B leaves: the same rows, ids and all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def test_a_checkin_id_another_device_uploaded_is_a_conflict_and_not_this_gates(
    server: ServerProcess, new_kiosk: KioskFactory, tmp_path: Path
) -> None:
    activity = "act-conflict"
    server.seed(activity)
    gate_a = new_kiosk("kiosk-a", activity=activity)
    ids = scan(gate_a, server.passes(2))
    _copy_database(gate_a.directory / "kiosk.db", tmp_path / "kiosk-b" / "kiosk.db")
    assert sync(gate_a).upload.accepted == 2

    gate_b = new_kiosk("kiosk-b", activity=activity)  # opens the restored copy
    assert {c.id for c in gate_b.store.records.checkins(activity)} == set(ids)
    report = sync(gate_b)
    assert (report.upload.rejected, report.upload.rejected_reasons) == (2, {"conflict": 2})
    assert report.pending == 0

    counts = gate_b.store.records.counts(activity)
    assert (counts.accepted, counts.confirmed, counts.server_rejected) == (2, 0, 2)
    assert counts.server_rejected_by_reason == {"conflict": 2}
    summary = summarize(gate_b.store, activity)
    assert summary.digest_count == 0  # none of these rows is gate B's participation
    assert ["参加者数", "0"] in export_rows(gate_b, "form")
    owner = gate_a.secrets.get(SERVER_DEVICE_ID)
    assert {r[0]: r[4] for r in server.checkins() if r[0] in ids} == dict.fromkeys(ids, owner)


def test_a_typed_in_id_no_coordinator_vouched_for_does_not_count_toward_premium(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    activity = "act-typed"
    server.seed(activity)
    kiosk = new_kiosk(activity=activity)
    typed, vouched = (_claims(p)["sub"] for p in server.passes(2))
    service = kiosk.services.checkins
    at_gate = service.record_manual(typed, Method.MANUAL, reason="phone battery dead")
    assert at_gate.outcome is Outcome.ACCEPTED
    coordinator = manual_checkin(
        activity,
        vouched,
        method=Method.MANUAL,
        operator="rmo-yamada",
        clock=kiosk.services.clock,
        attestation=Attestation("rmo-yamada", "app crashed; known to the RMO"),
    )
    added = kiosk.store.records.add_manual(coordinator, reason="app crashed; known to the RMO")
    assert kiosk.store.records.counts(activity).unattested == 1

    report = sync(kiosk)
    assert (report.upload.accepted, report.upload.not_counted) == (2, 1)
    rows = {c.id: c for c in kiosk.store.records.checkins(activity)}
    assert (rows[at_gate.checkin_id or ""].counts, rows[added.checkin_id or ""].counts) == (
        False,
        True,
    )
    counts = kiosk.store.records.counts(activity)
    assert (counts.confirmed, counts.counted, counts.not_counted) == (2, 1, 1)

    year = fiscal_year(NOW)
    typed_report = premium(server, typed, year)
    assert (typed_report["recorded_participations"], typed_report["participations"]) == (1, 0)
    (entry,) = typed_report["activities"]
    assert (entry["counts"], entry["not_counted_reason"]) == (False, "not_attested")
    assert premium(server, vouched, year)["participations"] == 1

    form = export_rows(kiosk, "form")
    notes = {row[4]: row[7] for row in form if row and row[0].isdigit()}
    assert notes == {mask_registrant(typed): NOT_ATTESTED, mask_registrant(vouched): ""}
    result = close(kiosk, activity)
    assert (result.national.counted, result.national.not_counted) == (1, 1)


FY_PLAN = {  # activity: (date, municipality)
    "fy25-mar30": ("2026-03-30", "131016"),
    "fy25-mar31": ("2026-03-31", "131016"),  # the last day of fiscal year 2025
    "fy26-apr01": ("2026-04-01", "131016"),  # the first day of fiscal year 2026
    "fy26-apr02": ("2026-04-02", "131016"),
    "fy26-may01": ("2026-05-01", "131016"),
    "spr-jun01": ("2026-06-01", SAPPORO),  # the registrant is not registered with Sapporo
    "spr-jun02": ("2026-06-02", SAPPORO),
    "spr-jun03": ("2026-06-03", SAPPORO),
}


def _scan_on_the_day(kiosk: Kiosk, token: str, activity: str, day: str) -> None:
    clock = kiosk.services.clock
    assert isinstance(clock, FixedClock)
    at = datetime.combine(datetime.fromisoformat(day).date(), time(10, 0), JST)
    clock.advance((at - clock.now()).total_seconds())
    kiosk.services.checkins.select_activity(activity)
    assert kiosk.services.checkins.submit(token, Method.CAMERA).outcome is Outcome.ACCEPTED


def test_premium_per_municipality_across_the_fiscal_year_boundary_through_kiosks(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    server.seed(*({"id": a, "date": d, "municipality": m} for a, (d, m) in FY_PLAN.items()))
    issued = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())
    expires = int(datetime(2027, 12, 31, tzinfo=UTC).timestamp())
    (token,) = server.passes(1, iat=issued, exp=expires, mun=["131016"])
    sub = _claims(token)["sub"]
    start = FixedClock(datetime(2026, 3, 30, tzinfo=UTC))
    chiyoda = new_kiosk("kiosk-chiyoda", clock=start)
    sapporo = new_kiosk("kiosk-sapporo", enroll=False, clock=FixedClock(start.now()))
    enroll_device(str(server.url), server.enroll_token(SAPPORO), "kiosk-sapporo", sapporo.secrets)
    for kiosk in (chiyoda, sapporo):
        worker = worker_of(kiosk)
        worker.client.token = kiosk.token()
        try:
            worker.puller.activities()  # the activities this device may record (pulled)
        finally:
            worker.stop()
    for activity, (day, municipality) in FY_PLAN.items():
        kiosk = chiyoda if municipality == "131016" else sapporo
        _scan_on_the_day(kiosk, token, activity, day)
    for kiosk in (chiyoda, sapporo):
        report = sync(kiosk)
        assert report.error is None, report.error
        assert report.upload.accepted == report.upload.uploaded

    fy2025 = premium(server, sub, 2025)
    assert [a["activity_id"] for a in fy2025["activities"]] == ["fy25-mar30", "fy25-mar31"]
    assert fy2025["qualifies_for_premium"] is False
    fy2026 = premium(server, sub, 2026)
    assert fy2026["qualifies_for_premium"] is True
    assert fy2026["qualifying_municipalities"] == ["131016"]
    tallies = {t["municipality"]: t for t in fy2026["municipalities"]}
    assert (tallies["131016"]["designated"], tallies["131016"]["qualifies"]) == (3, True)
    assert (tallies[SAPPORO]["designated"], tallies[SAPPORO]["registered"]) == (3, False)
    assert tallies[SAPPORO]["qualifies"] is False
    assert server.call("participations", registrant=sub, fiscal_year=2026)["report"] == fy2026
