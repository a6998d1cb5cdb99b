"""POST /v1/checkins:corrections: void and restore a device's own check-ins, idempotently;
only live check-ins count (participations, duplicates, close-out digests)."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import inspect
from sqlmodel import Session, select

from sync.server import admin
from sync.server.runner import RunningServer
from sync.server.tables import Checkin, Correction

from .conftest import TODAY, Device, checkin, enroll, now_iso


def correction(checkin_id: str, action: str = "void", **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "checkin_id": checkin_id,
        "action": action,
        "reason": "wrong person" if action == "void" else "it was them",
        "at": now_iso(),
    }
    item.update(extra)
    return item


def correct(device: Device, items: list[dict[str, Any]], key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return device.client.post(
        "/v1/checkins:corrections", json={"corrections": items}, headers=headers
    )


def answers(response: httpx.Response) -> list[tuple[str, str | None]]:
    assert response.status_code == 200, response.text
    return [(r["status"], r["reason"]) for r in response.json()["results"]]


def digest(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(i.lower() for i in ids)).encode()).hexdigest()


def participations(db: Session, sub: str) -> int:
    db.expire_all()
    return admin.participations(db, sub, 2026).participations


def test_void_and_restore_change_what_counts(device: Device, db: Session) -> None:
    issued = admin.issue_pass(db, tier="premium")
    item = checkin(issued.token)
    assert device.batch([item]).json()["results"][0]["status"] == "accepted"
    sub = issued.claims["sub"]
    assert participations(db, sub) == 1

    void = correction(item["id"])
    response = correct(device, [void])
    assert response.json() == {"results": [{"id": void["id"], "status": "applied", "reason": None}]}
    assert participations(db, sub) == 0
    assert answers(correct(device, [correction(item["id"])])) == [("unchanged", None)]

    restore = correction(item["id"].upper(), "restore", id=str(uuid.uuid4()).upper())
    result = correct(device, [restore]).json()["results"][0]
    assert result == {"id": restore["id"].lower(), "status": "applied", "reason": None}
    assert participations(db, sub) == 1
    assert answers(correct(device, [correction(item["id"], "restore")])) == [("unchanged", None)]
    db.expire_all()
    stored = db.exec(select(Correction).where(Correction.checkin_id == item["id"])).all()
    assert sorted(c.status for c in stored) == ["applied", "applied", "unchanged", "unchanged"]


def test_items_apply_in_order_and_a_repeated_id_is_unchanged(device: Device, db: Session) -> None:
    item = checkin(admin.issue_pass(db).token)
    device.batch([item])
    void, restore = correction(item["id"]), correction(item["id"], "restore")
    assert answers(correct(device, [void, restore, void])) == [
        ("applied", None),
        ("applied", None),
        ("unchanged", None),  # the same correction id again: not applied a second time
    ]
    db.expire_all()
    row = db.get(Checkin, item["id"])
    assert row is not None
    assert row.voided is False


def test_rejections_unknown_other_device_and_conflict(server: RunningServer, db: Session) -> None:
    kiosk_a, kiosk_b = enroll(server, db), enroll(server, db)
    issued = admin.issue_pass(db)
    a_item, b_item = checkin(issued.token), checkin(issued.token)
    kiosk_a.batch([a_item])
    unknown, theirs = correction(str(uuid.uuid4())), correction(a_item["id"])
    assert answers(correct(kiosk_b, [unknown, theirs])) == [
        ("rejected", "unknown_checkin"),
        ("rejected", "not_your_checkin"),
    ]
    void = correction(a_item["id"])
    assert answers(correct(kiosk_a, [void])) == [("applied", None)]
    # the registrant is free again: another kiosk's check-in is the participation now
    assert kiosk_b.batch([b_item]).json()["results"][0]["status"] == "accepted"
    restore = correction(a_item["id"], "restore")
    assert answers(correct(kiosk_a, [restore])) == [("rejected", "conflict")]
    assert answers(correct(kiosk_a, [restore])) == [("rejected", "conflict")]  # same answer
    stolen = correction(a_item["id"], id=void["id"])  # another device reusing a correction id
    assert answers(correct(kiosk_b, [stolen])) == [("rejected", "not_your_checkin")]
    assert participations(db, issued.claims["sub"]) == 1
    db.expire_all()
    row = db.get(Checkin, a_item["id"])
    assert row is not None
    assert row.voided is True


def test_a_voided_duplicate_can_be_restored_without_conflict(device: Device, db: Session) -> None:
    token = admin.issue_pass(db).token
    first, second = checkin(token), checkin(token)
    assert [r["status"] for r in device.batch([first, second]).json()["results"]] == [
        "accepted",
        "duplicate",
    ]
    void, restore = correction(second["id"]), correction(second["id"], "restore")
    assert answers(correct(device, [void, restore])) == [("applied", None), ("applied", None)]


def test_idempotency_key_replays_and_refuses_another_body(device: Device, db: Session) -> None:
    item = checkin(admin.issue_pass(db).token)
    device.batch([item])
    body = [correction(item["id"])]
    first = correct(device, body, key="corr-0001")
    replay = correct(device, body, key="corr-0001")
    assert replay.status_code == 200
    assert replay.content == first.content  # the stored response, not "unchanged"
    assert answers(first) == [("applied", None)]
    other = correct(device, [correction(item["id"], "restore")], key="corr-0001")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency-key-reused"
    batch_key = device.batch([checkin(admin.issue_pass(db).token)], key="shared-key")
    assert batch_key.status_code == 200
    across = correct(device, body, key="shared-key")  # a check-in batch's key: another body
    assert across.status_code == 422
    missing = device.client.post("/v1/checkins:corrections", json={"corrections": body})
    assert missing.status_code == 400
    assert missing.json()["code"] == "idempotency-key-missing"
    bad = correct(device, body, key="a b")
    assert bad.status_code == 400
    assert bad.json()["code"] == "idempotency-key-invalid"


def test_malformed_corrections_are_422(device: Device, db: Session) -> None:
    item = checkin(admin.issue_pass(db).token)
    for wrong in (
        correction(item["id"], "delete"),
        correction("not-a-uuid"),
        correction(item["id"], at="2026-11-23T10:00:00"),  # no UTC offset
        correction(item["id"], reason="x" * 501),
        {**correction(item["id"]), "extra": 1},
    ):
        response = correct(device, [wrong])
        assert response.status_code == 422, wrong
        assert response.json()["code"] == "validation-failed"
    assert correct(device, []).status_code == 422
    unauthenticated = httpx.post(
        f"{device.client.base_url}/v1/checkins:corrections",
        json={"corrections": [correction(item["id"])]},
        headers={"Idempotency-Key": "k"},
    )
    assert unauthenticated.status_code == 401


def test_closeout_counts_live_checkins_and_a_late_correction_applies(
    server: RunningServer, db: Session
) -> None:
    kiosk = enroll(server, db)
    items = [checkin(admin.issue_pass(db).token) for _ in range(3)]
    kiosk.batch(items)
    ids = [i["id"] for i in items]
    body = {"activity_id": "act-beach", "date": TODAY.isoformat(), "device_count": 2}
    # the device voided one before closing; the close-out reached the server first
    early = kiosk.client.post("/v1/closeouts", json={**body, "digest": digest(ids[1:])}).json()
    assert early["digest_match"] is False
    assert early["server_count"] == 3
    assert answers(correct(kiosk, [correction(ids[0])])) == [("applied", None)]  # not refused
    again = kiosk.client.post("/v1/closeouts", json={**body, "digest": digest(ids[1:])}).json()
    assert again["digest_match"] is True
    assert again["server_count"] == 2
    assert again["combined_unique_count"] == 2


def test_a_database_from_before_corrections_is_upgraded(tmp_path: Path) -> None:
    """`create_all` adds tables, not columns: the one new column is added on start-up."""
    path = tmp_path / "old.db"
    engine = admin.open_database(f"sqlite:///{path}")
    engine.dispose()
    with sqlite3.connect(path) as con:  # make it look like the first release
        con.execute("DROP INDEX one_live_per_registrant")
        con.execute("ALTER TABLE checkin DROP COLUMN voided")
        con.execute("DROP TABLE correction")
        con.execute(
            "CREATE UNIQUE INDEX one_accepted_per_registrant ON checkin (activity_id, registrant)"
            " WHERE status = 'accepted' AND registrant IS NOT NULL"
        )
        con.execute(
            "INSERT INTO checkin (id, device_id, activity_id, registrant, method, scanned_at,"
            " clock_trusted, status, received_at) VALUES ('c1', 'd', 'a', 'FR0000000001',"
            " 'camera', '2026-11-23 01:00:00', 1, 'accepted', '2026-11-23 01:00:00')"
        )
    engine = admin.open_database(f"sqlite:///{path}")
    try:
        checkin_columns = {c["name"] for c in inspect(engine).get_columns("checkin")}
        indexes = {i["name"] for i in inspect(engine).get_indexes("checkin")}
        assert "voided" in checkin_columns
        assert "one_live_per_registrant" in indexes
        assert "one_accepted_per_registrant" not in indexes
        assert "correction" in inspect(engine).get_table_names()
        with Session(engine) as s:
            row = s.get(Checkin, "c1")
            assert row is not None
            assert row.voided is False
    finally:
        engine.dispose()
    admin.open_database(f"sqlite:///{path}").dispose()  # idempotent


def test_voided_checkins_do_not_count_for_premium(server: RunningServer, db: Session) -> None:
    kiosk = enroll(server, db)
    issued = admin.issue_pass(
        db, tier="premium", mun=["131016"], iat=1_700_000_000, exp=1_900_000_000
    )
    sub = issued.claims["sub"]
    items = []
    for n in range(3):
        day = dt.date(2026, 5 + n, 10)
        admin.create_activity(db, f"prem-{n}", f"p{n}", day, "131016", designated=True)
        at = dt.datetime.combine(day, dt.time(10), dt.UTC).isoformat()
        items.append(checkin(issued.token, f"prem-{n}", scanned_at=at))
    kiosk.batch(items)
    db.expire_all()
    assert admin.participations(db, sub, 2026).qualifies_for_premium is True
    correct(kiosk, [correction(items[1]["id"])])
    db.expire_all()
    report = admin.participations(db, sub, 2026)
    assert (report.designated, report.qualifies_for_premium) == (2, False)
