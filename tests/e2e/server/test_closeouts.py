"""POST /v1/closeouts: digest over the device's accepted ids, combined unique count."""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from sync.server import admin
from sync.server.runner import RunningServer

from .conftest import TODAY, checkin, enroll


def digest(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(i.lower() for i in ids)).encode()).hexdigest()


def test_closeout_receipt_matches_and_counts_across_kiosks(
    server: RunningServer, db: Session
) -> None:
    kiosk_a, kiosk_b = enroll(server, db), enroll(server, db)
    shared = admin.issue_pass(db).token
    a_items = [checkin(admin.issue_pass(db).token) for _ in range(3)] + [checkin(shared)]
    b_items = [checkin(admin.issue_pass(db).token) for _ in range(2)] + [checkin(shared)]
    assert kiosk_a.batch(a_items).status_code == 200
    b_results = kiosk_b.batch(b_items).json()["results"]
    assert b_results[-1]["status"] == "duplicate"
    a_ids = [i["id"] for i in a_items]
    body = {
        "activity_id": "act-beach",
        "date": TODAY.isoformat(),
        "device_count": 4,
        "digest": digest(a_ids),
    }
    response = kiosk_a.client.post("/v1/closeouts", json=body)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["digest_match"] is True
    assert receipt["server_digest"] == receipt["device_digest"] == digest(a_ids)
    assert receipt["device_id"] == kiosk_a.device_id
    assert receipt["device_count"] == 4
    assert receipt["server_count"] == 4
    assert receipt["combined_unique_count"] == 6
    assert receipt["receipt_id"]
    assert receipt["received_at"].endswith("Z")

    b_accepted = [i["id"] for i in b_items[:2]]
    missing_one = dict(body, digest=digest(b_accepted[:1]), device_count=1)
    receipt_b = kiosk_b.client.post("/v1/closeouts", json=missing_one).json()
    assert receipt_b["digest_match"] is False
    assert receipt_b["server_digest"] == digest(b_accepted)
    assert receipt_b["server_count"] == 2


def test_closeout_with_no_checkins_uses_empty_digest(server: RunningServer, db: Session) -> None:
    kiosk = enroll(server, db)
    empty = hashlib.sha256(b"").hexdigest()
    body = {
        "activity_id": "act-hall",
        "date": TODAY.isoformat(),
        "device_count": 0,
        "digest": empty,
    }
    receipt = kiosk.client.post("/v1/closeouts", json=body).json()
    assert receipt["digest_match"] is True
    assert receipt["combined_unique_count"] == 0


def test_closeout_unknown_or_foreign_activity_is_404(server: RunningServer, db: Session) -> None:
    kiosk = enroll(server, db)
    for activity in ("act-nowhere", "act-sapporo"):
        body = {
            "activity_id": activity,
            "date": TODAY.isoformat(),
            "device_count": 0,
            "digest": "0" * 64,
        }
        response = kiosk.client.post("/v1/closeouts", json=body)
        assert response.status_code == 404
        assert response.json()["code"] == "unknown-activity"
    bad = {"activity_id": "act-hall", "date": "2026-13-01", "device_count": 0, "digest": "x"}
    assert kiosk.client.post("/v1/closeouts", json=bad).status_code == 422
