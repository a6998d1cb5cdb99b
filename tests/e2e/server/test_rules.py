"""The server bounds what a device claims: scan times on the activity's day and not in the
future, expiry and revocation judged where a back-dated scan cannot escape them, check-in ids
owned by one device, and manual records that count only when a coordinator vouched for them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from sqlmodel import Session, select

from sync.server import admin
from sync.server.counting_tables import CheckinConflict
from sync.server.rules import ScanRules
from sync.server.runner import RunningServer, start_server
from sync.server.tables import Checkin

from .conftest import JST, MUN, TODAY, Device, checkin, enroll

LONG_AGO = TODAY - dt.timedelta(days=10)  # an activity whose uploads come late


def at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), JST).isoformat()


def answers(response: httpx.Response) -> list[tuple[str, str | None]]:
    assert response.status_code == 200, response.text
    return [(r["status"], r["reason"]) for r in response.json()["results"]]


def valid_pass(db: Session) -> str:
    return admin.issue_pass(db, mun=[MUN], iat=1_700_000_000, exp=1_900_000_000).token


def test_scan_times_must_fall_on_the_activity_day_and_not_in_the_future(
    device: Device, db: Session
) -> None:
    admin.create_activity(db, "act-later", "In four months", TODAY + dt.timedelta(days=120), MUN)
    admin.create_activity(db, "act-past", "Ten days ago", LONG_AGO, MUN)
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    items = [
        checkin(valid_pass(db), "act-later"),  # scanned today for an activity months ahead
        checkin(valid_pass(db), scanned_at=future),  # the device clock runs an hour ahead
        checkin(valid_pass(db), scanned_at="2024-06-01T10:00:00+09:00"),  # back-dated years
        checkin(valid_pass(db), "act-past", scanned_at=at(LONG_AGO, 10)),  # offline, late
        # clock error around midnight: 23:00 the evening before is within the 2 h tolerance
        checkin(valid_pass(db), "act-past", scanned_at=at(LONG_AGO - dt.timedelta(days=1), 23)),
        checkin(valid_pass(db), "act-past", scanned_at=at(LONG_AGO - dt.timedelta(days=1), 21)),
        checkin(valid_pass(db), "act-past", scanned_at=at(LONG_AGO + dt.timedelta(days=1), 3)),
        # an untrusted clock's corrected time is the one judged
        checkin(
            valid_pass(db),
            "act-past",
            scanned_at="2020-01-01T00:00:00+09:00",
            scanned_at_corrected=at(LONG_AGO, 11),
            clock_trusted=False,
        ),
    ]
    assert answers(device.batch(items)) == [
        ("rejected", "scanned_outside_activity_day"),
        ("rejected", "scanned_in_future"),
        ("rejected", "scanned_outside_activity_day"),
        ("accepted", None),
        ("accepted", None),
        ("rejected", "scanned_outside_activity_day"),
        ("rejected", "scanned_outside_activity_day"),
        ("accepted", None),
    ]
    rejected = db.exec(select(Checkin).where(Checkin.status == "rejected")).all()
    assert {r.evidenced for r in rejected} == {False}


def test_expired_pass_back_dated_into_its_validity_is_rejected(device: Device, db: Session) -> None:
    """An expired pass (valid in 2024) cannot be counted at a 2026 activity by dating the scan
    in 2024, nor by dating it on the activity day: expiry is judged at the bound."""
    expired = admin.issue_pass(db, iat=1_700_000_000, exp=1_720_000_000)  # until July 2024
    items = [
        checkin(expired.token, scanned_at="2024-06-01T10:00:00+09:00"),
        checkin(expired.token, "act-hall"),
    ]
    assert answers(device.batch(items)) == [
        ("rejected", "scanned_outside_activity_day"),
        ("rejected", "expired"),
    ]


def test_revocation_judged_at_a_bound_a_back_dated_scan_cannot_escape(
    device: Device, db: Session
) -> None:
    admin.create_activity(db, "act-past", "Ten days ago", LONG_AGO, MUN)
    revoked_that_day = admin.issue_pass(db, mun=[MUN], iat=1_700_000_000, exp=1_900_000_000)
    revoked_at = dt.datetime.combine(LONG_AGO, dt.time(12), JST)
    admin.revoke(db, jti=str(revoked_that_day.claims["jti"]), at=revoked_at)
    revoked_now = admin.issue_pass(db, mun=[MUN], iat=1_700_000_000, exp=1_900_000_000)
    real_offline_scan = checkin(revoked_now.token)  # made before the revocation below
    admin.revoke(db, sub=str(revoked_now.claims["sub"]))
    items = [
        # "scanned" at 09:00, before the 12:00 revocation, but uploaded ten days later: judged
        # at receipt minus the 72 h upload delay, long after the revocation
        checkin(revoked_that_day.token, "act-past", scanned_at=at(LONG_AGO, 9)),
        # a real offline scan made before its revocation, uploaded promptly: counts
        real_offline_scan,
        # the same pass scanned after its revocation
        checkin(revoked_now.token, "act-hall"),
    ]
    assert answers(device.batch(items)) == [
        ("rejected", "revoked"),
        ("accepted", None),
        ("rejected", "revoked"),
    ]


def test_the_tolerances_are_configured(database_url: str, db: Session, tmp_path: Path) -> None:
    admin.create_activity(db, "act-past", "Ten days ago", LONG_AGO, MUN)
    pass_ = admin.issue_pass(db, mun=[MUN], iat=1_700_000_000, exp=1_900_000_000)
    admin.revoke(
        db, jti=str(pass_.claims["jti"]), at=dt.datetime.combine(LONG_AGO, dt.time(12), JST)
    )
    rules = ScanRules(day_tolerance=dt.timedelta(0), upload_delay=dt.timedelta(days=30))
    with start_server(database_url, rules=rules) as server:
        device = enroll(server, db)
        items = [
            checkin(valid_pass(db), "act-past", scanned_at=at(LONG_AGO - dt.timedelta(days=1), 23)),
            # with a 30-day upload delay the scan's own time is judged: before the revocation
            checkin(pass_.token, "act-past", scanned_at=at(LONG_AGO, 9)),
        ]
        assert answers(device.batch(items)) == [
            ("rejected", "scanned_outside_activity_day"),
            ("accepted", None),
        ]
        device.client.close()


def test_checkin_id_owned_by_another_device_is_a_conflict(
    server: RunningServer, db: Session
) -> None:
    gate1, gate2 = enroll(server, db), enroll(server, db)
    owned = checkin(valid_pass(db))
    assert answers(gate1.batch([owned])) == [("accepted", None)]
    stolen = dict(checkin(valid_pass(db), "act-hall"), id=owned["id"].upper())
    for _ in range(2):  # the same answer every time it is sent
        (result,) = gate2.batch([stolen]).json()["results"]
        assert result == {
            "id": owned["id"],
            "status": "rejected",
            "reason": "conflict",
            "counts": False,
            "first_checkin_id": None,
            "first_device_id": None,
            "first_device_name": None,
            "first_scanned_at": None,
        }
    db.expire_all()
    row = db.get(Checkin, owned["id"])
    assert row is not None
    assert (row.device_id, row.activity_id, row.status) == (
        gate1.device_id,
        "act-beach",
        "accepted",
    )
    assert answers(gate1.batch([owned])) == [("accepted", None)]  # the owner is unaffected
    conflicts = db.exec(select(CheckinConflict)).all()
    assert [(c.checkin_id, c.device_id, c.activity_id) for c in conflicts] == [
        (owned["id"], gate2.device_id, "act-hall")
    ]


def test_manual_records_count_only_when_attested(device: Device, db: Session) -> None:
    subs = [admin.issue_pass(db, mun=[MUN]).claims["sub"] for _ in range(4)]
    vouched = {"operator": "coordinator-7", "reason": "registrant id read from the app by phone"}
    items = [
        checkin(None, method="manual", registrant=subs[0]),
        checkin(None, method="manual", registrant=subs[1], attestation=vouched),
        checkin(None, method="paper", registrant=subs[2]),
        checkin(None, method="paper", registrant=subs[3], attestation=vouched),
    ]
    results = device.batch(items).json()["results"]
    assert [(r["status"], r["counts"]) for r in results] == [
        ("accepted", False),
        ("accepted", True),
        ("accepted", False),
        ("accepted", True),
    ]
    row = db.get(Checkin, items[1]["id"])
    assert row is not None
    assert (row.attested_by, row.attestation_reason) == ("coordinator-7", vouched["reason"])
    bad = dict(checkin(None, method="manual", registrant=subs[0]), attestation={"operator": ""})
    response = device.batch([bad])
    assert response.status_code == 422
