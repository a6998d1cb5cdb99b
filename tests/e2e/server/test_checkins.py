"""POST /v1/checkins:batch: idempotency by id and by key, one participation, pass checks."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import httpx
from sqlmodel import Session, select

from sync.server import admin
from sync.server.runner import RunningServer
from sync.server.tables import Checkin

from .conftest import Device, checkin, enroll


def statuses(response: httpx.Response) -> list[tuple[str, str | None]]:
    assert response.status_code == 200, response.text
    return [(r["status"], r["reason"]) for r in response.json()["results"]]


def test_accepts_and_answers_one_result_per_item_in_order(device: Device, db: Session) -> None:
    passes = [admin.issue_pass(db, tier="premium", mun=["131016"]) for _ in range(3)]
    items = [checkin(p.token) for p in passes]
    response = device.batch(items)
    results = response.json()["results"]
    assert [r["id"] for r in results] == [i["id"] for i in items]
    no_first = {"first_device_id": None, "first_device_name": None, "first_scanned_at": None}
    assert all(
        r
        == {
            "id": r["id"],
            "status": "accepted",
            "reason": None,
            "counts": True,
            "first_checkin_id": None,
            **no_first,
        }
        for r in results
    )
    stored = db.exec(select(Checkin).where(Checkin.device_id == device.device_id)).all()
    assert {c.registrant for c in stored} == {p.claims["sub"] for p in passes}
    assert {c.tier for c in stored} == {"premium"}


def test_repeated_checkin_id_is_the_same_checkin(device: Device, db: Session) -> None:
    token = admin.issue_pass(db).token
    item = checkin(token)
    assert statuses(device.batch([item])) == [("accepted", None)]
    # a new batch (new key) carrying the same id again, twice
    again = device.batch([item, item])
    assert statuses(again) == [("accepted", None), ("accepted", None)]
    upper = dict(item, id=item["id"].upper())
    assert statuses(device.batch([upper])) == [("accepted", None)]
    assert len(db.exec(select(Checkin)).all()) == 1


def test_same_registrant_same_activity_from_another_id_is_duplicate(
    device: Device, db: Session
) -> None:
    token = admin.issue_pass(db).token
    first, second = checkin(token), checkin(token)
    results = device.batch([first, second]).json()["results"]
    assert results[0]["status"] == "accepted"
    assert results[1] == {
        "id": second["id"],
        "status": "duplicate",
        "reason": None,
        "counts": True,
        "first_checkin_id": first["id"],
        "first_device_id": device.device_id,
        "first_device_name": "",
        "first_scanned_at": dt.datetime.fromisoformat(first["scanned_at"])
        .isoformat()
        .replace("+00:00", "Z"),
    }
    # another activity is another participation
    assert statuses(device.batch([checkin(token, "act-hall")])) == [("accepted", None)]


def test_two_devices_same_registrant_one_participation(server: RunningServer, db: Session) -> None:
    kiosk_a, kiosk_b = enroll(server, db), enroll(server, db)
    issued = admin.issue_pass(db, tier="premium")
    a_item, b_item = checkin(issued.token), checkin(issued.token)
    assert statuses(kiosk_a.batch([a_item])) == [("accepted", None)]
    b_result = kiosk_b.batch([b_item]).json()["results"][0]
    assert b_result["status"] == "duplicate"
    assert b_result["first_checkin_id"] == a_item["id"]
    report = admin.participations(db, issued.claims["sub"], 2026)
    assert report.participations == 1


def test_concurrent_devices_race_for_one_registrant(server: RunningServer, db: Session) -> None:
    kiosks = [enroll(server, db) for _ in range(4)]
    issued = admin.issue_pass(db)
    outcomes: list[str] = []
    barrier = threading.Barrier(len(kiosks))

    def upload(kiosk: Device) -> None:
        barrier.wait(timeout=10)
        outcomes.append(kiosk.batch([checkin(issued.token)]).json()["results"][0]["status"])

    threads = [threading.Thread(target=upload, args=(k,)) for k in kiosks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["accepted", "duplicate", "duplicate", "duplicate"]


def test_retried_idempotency_key_returns_identical_response(device: Device, db: Session) -> None:
    token = admin.issue_pass(db).token
    items = [checkin(token), checkin(token), checkin(None, method="manual")]
    first = device.batch(items, key="batch-0001")
    # the state changes between the two calls; the replay must not be re-decided
    admin.revoke(db, sub=admin.issue_pass(db).claims["sub"])
    replay = device.batch(items, key="batch-0001")
    assert replay.status_code == 200
    assert replay.content == first.content
    different = device.batch([checkin(token)], key="batch-0001")
    assert different.status_code == 422
    assert different.json()["code"] == "idempotency-key-reused"


def test_idempotency_key_is_required_and_checked(device: Device, db: Session) -> None:
    body = {"checkins": [checkin(admin.issue_pass(db).token)]}
    missing = device.client.post("/v1/checkins:batch", json=body)
    assert missing.status_code == 400
    assert missing.json()["code"] == "idempotency-key-missing"
    bad = device.client.post("/v1/checkins:batch", json=body, headers={"Idempotency-Key": "a b"})
    assert bad.status_code == 400
    assert len(db.exec(select(Checkin)).all()) == 0


def test_rejections_carry_reasons(device: Device, db: Session) -> None:
    good = admin.issue_pass(db)
    expired = admin.issue_pass(db, iat=1_000_000, exp=1_000_100)
    future = admin.issue_pass(db, iat=int(dt.datetime.now(dt.UTC).timestamp()) + 3600)
    revoked = admin.issue_pass(db)
    admin.revoke(db, jti=revoked.claims["jti"])
    tampered = good.token[:-4] + ("AAAA" if not good.token.endswith("AAAA") else "BBBB")
    other = admin.issue_pass(db)
    items = [
        checkin(good.token, "act-nowhere"),
        checkin(good.token, "act-sapporo"),
        checkin(expired.token),
        checkin(future.token),
        checkin(revoked.token),
        checkin(tampered),
        checkin("not-a-jws"),
        checkin(None),
        checkin(None, method="manual"),
        checkin(good.token, registrant=other.claims["sub"]),
    ]
    assert statuses(device.batch(items)) == [
        ("rejected", "unknown_activity"),
        ("rejected", "activity_not_permitted"),
        ("rejected", "expired"),
        ("rejected", "not_yet_valid"),
        ("rejected", "revoked"),
        ("rejected", "bad_signature"),
        ("rejected", "bad_encoding"),
        ("rejected", "pass_required"),
        ("rejected", "registrant_required"),
        ("rejected", "registrant_mismatch"),
    ]


def test_expiry_is_judged_at_scan_time(device: Device, db: Session) -> None:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    issued = admin.issue_pass(db, iat=now - 7200, exp=now - 3600)
    scanned = dt.datetime.fromtimestamp(now - 5400, dt.UTC).astimezone(
        dt.timezone(dt.timedelta(hours=9))
    )
    offline_scan = checkin(issued.token, scanned_at=scanned.isoformat())
    corrected = checkin(
        issued.token,
        "act-hall",
        scanned_at="2020-01-01T00:00:00+09:00",
        scanned_at_corrected=scanned.isoformat(),
        clock_trusted=False,
    )
    assert statuses(device.batch([offline_scan, corrected])) == [
        ("accepted", None),
        ("accepted", None),
    ]
    row = db.get(Checkin, corrected["id"])
    assert row is not None
    assert row.clock_trusted is False
    assert row.scanned_at_corrected == scanned


def test_revocation_after_the_scan_does_not_reject(device: Device, db: Session) -> None:
    issued = admin.issue_pass(db, iat=1_700_000_000, exp=1_900_000_000)
    before = checkin(issued.token)  # scanned offline, uploaded after the revocation
    admin.revoke(db, sub=issued.claims["sub"])
    after = checkin(issued.token, "act-hall")
    assert statuses(device.batch([before, after])) == [("accepted", None), ("rejected", "revoked")]


def test_manual_and_paper_records(device: Device, db: Session) -> None:
    sub = admin.issue_pass(db).claims["sub"]
    items = [
        checkin(None, method="manual", registrant=sub),
        checkin(None, method="paper", registrant=sub),
        checkin(None, method="paper"),
        checkin(None, method="paper"),
    ]
    assert statuses(device.batch(items)) == [
        ("accepted", None),
        ("duplicate", None),
        ("accepted", None),
        ("accepted", None),
    ]


def test_schema_violations_are_422_problems(device: Device) -> None:
    def post(body: object) -> httpx.Response:
        return device.client.post(
            "/v1/checkins:batch", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )

    naive = checkin(None, method="paper", scanned_at="2026-11-23T10:00:00")
    too_many = [checkin(None, method="paper") for _ in range(501)]
    bodies: tuple[object, ...] = (
        {"checkins": []},
        {"checkins": too_many},
        {"checkins": [naive]},
        {"checkins": [dict(checkin(None, method="paper"), surprise=1)]},
        {"checkins": [dict(checkin(None, method="paper"), clock_trusted="yes")]},
        {"checkins": [dict(checkin(None, method="paper"), id="123")]},
        [],
    )
    for body in bodies:
        response = post(body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation-failed"
    assert post({"checkins": too_many[:500]}).status_code == 200


def test_admin_writes_concurrent_with_uploads(
    device: Device, db: Session, database_url: str
) -> None:
    """A second connection (admin CLI, a test harness) writing while batches commit."""
    passes = [admin.issue_pass(db).token for _ in range(200)]
    errors: list[BaseException] = []
    stop = threading.Event()

    def admin_writer() -> None:
        engine = admin.open_database(database_url)
        try:
            with Session(engine) as s:
                i = 0
                while not stop.is_set() and i < 200:
                    admin.revoke(s, jti=f"noise-{i}")
                    admin.create_activity(
                        s, f"act-noise-{i % 5}", "n", dt.date(2026, 11, 23), "131016"
                    )
                    i += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    writer = threading.Thread(target=admin_writer)
    writer.start()
    try:
        for start in range(0, 200, 20):
            response = device.batch([checkin(p) for p in passes[start : start + 20]])
            assert statuses(response) == [("accepted", None)] * 20
    finally:
        stop.set()
        writer.join(timeout=60)
    assert errors == []
    assert len(db.exec(select(Checkin)).all()) == 200
