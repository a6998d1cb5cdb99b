"""Per-activity device status (last contact, declared pending uploads) and close-out receipts
that state what the server confirms next to what the device sent, naming unsynced gates."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlmodel import Session

from sync.server import admin
from sync.server.runner import RunningServer

from .conftest import OTHER_MUN, TODAY, Device, checkin, enroll


def digest(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(i.lower() for i in ids)).encode()).hexdigest()


def devices_of(device: Device, activity: str = "act-beach") -> dict[str, dict[str, Any]]:
    response = device.client.get(f"/v1/activities/{activity}/devices")
    assert response.status_code == 200, response.text
    return {d["name"]: d for d in response.json()["devices"]}


def close(device: Device, ids: list[str]) -> dict[str, Any]:
    body = {
        "activity_id": "act-beach",
        "date": TODAY.isoformat(),
        "device_count": len(ids),
        "digest": digest(ids),
    }
    response = device.client.post("/v1/closeouts", json=body)
    assert response.status_code == 201, response.text
    receipt: dict[str, Any] = response.json()
    return receipt


def test_activity_devices_report_contact_and_pending(server: RunningServer, db: Session) -> None:
    gate1 = enroll(server, db, name="Gate 1")
    gate2 = enroll(server, db, name="Gate 2")
    enroll(server, db, name="Gate 3 (silent)")
    enroll(server, db, OTHER_MUN, name="Sapporo")
    gate1.batch([checkin(admin.issue_pass(db).token) for _ in range(2)])
    pending = {"Pending-Uploads": "14"}
    assert gate2.client.get("/v1/activities", headers=pending).status_code == 200

    seen = devices_of(gate1)
    assert sorted(seen) == ["Gate 1", "Gate 2", "Gate 3 (silent)"]
    assert (seen["Gate 1"]["checkins_received"], seen["Gate 1"]["pending_uploads"]) == (2, None)
    assert seen["Gate 1"]["last_upload_at"] is not None
    assert seen["Gate 1"]["last_contact_at"] is not None
    assert (seen["Gate 2"]["pending_uploads"], seen["Gate 2"]["checkins_received"]) == (14, 0)
    assert seen["Gate 2"]["pending_reported_at"] is not None
    assert seen["Gate 3 (silent)"]["last_contact_at"] is None

    gate2.client.get("/v1/revocations", headers={"Pending-Uploads": "0"})
    assert devices_of(gate1)["Gate 2"]["pending_uploads"] == 0
    gate2.client.get("/v1/revocations")  # no declaration: the last one stands
    assert devices_of(gate1)["Gate 2"]["pending_uploads"] == 0

    for bad in ("many", "-1", "1.5", "10000000"):
        response = gate2.client.get("/v1/activities", headers={"Pending-Uploads": bad})
        assert response.status_code == 422, bad
    for activity in ("act-sapporo", "act-nowhere"):
        missing = gate1.client.get(f"/v1/activities/{activity}/devices")
        assert missing.status_code == 404
        assert missing.json()["code"] == "unknown-activity"


def test_closeout_receipt_confirms_counts_and_names_unsynced_gates(
    server: RunningServer, db: Session
) -> None:
    gate1 = enroll(server, db, name="Gate 1")
    gate2 = enroll(server, db, name="Gate 2")
    revoked = admin.issue_pass(db)
    admin.revoke(db, jti=str(revoked.claims["jti"]))
    shared = admin.issue_pass(db).token
    gate2.batch([checkin(shared)])
    items = [
        checkin(admin.issue_pass(db).token),
        checkin(admin.issue_pass(db).token),
        checkin(None, method="manual", registrant=admin.issue_pass(db).claims["sub"]),
        checkin(revoked.token),  # accepted offline by the gate, refused by the server
        checkin(shared),  # duplicate of Gate 2's
    ]
    results = gate1.batch(items).json()["results"]
    assert [r["status"] for r in results] == [
        "accepted",
        "accepted",
        "accepted",
        "rejected",
        "duplicate",
    ]
    assert results[4]["first_device_name"] == "Gate 2"
    gate2.client.get("/v1/health")  # unauthenticated: no contact recorded
    gate2.client.get("/v1/activities", headers={"Pending-Uploads": "3"})

    accepted_here = [i["id"] for i in items[:4]]  # what the gate counted offline
    receipt = close(gate1, accepted_here)
    assert receipt["digest_match"] is False  # the server refused one of them
    assert (receipt["device_count"], receipt["server_count"]) == (4, 3)
    assert receipt["received_count"] == 5
    assert (receipt["rejected_count"], receipt["rejected_reasons"]) == (1, {"revoked": 1})
    assert (receipt["duplicate_count"], receipt["voided_count"]) == (1, 0)
    assert receipt["counted_count"] == 2  # the typed-in entry has no attestation
    assert (receipt["combined_unique_count"], receipt["combined_counted_count"]) == (4, 3)
    [unsynced] = receipt["unsynced_devices"]
    assert (unsynced["name"], unsynced["device_id"], unsynced["pending_uploads"]) == (
        "Gate 2",
        gate2.device_id,
        3,
    )

    gate2.client.get("/v1/activities", headers={"Pending-Uploads": "0"})
    again = close(gate1, accepted_here[:3])
    assert again["digest_match"] is True
    assert again["unsynced_devices"] == []
    seen = devices_of(gate2)
    assert seen["Gate 1"]["last_closeout_at"] is not None
    assert seen["Gate 2"]["last_closeout_at"] is None
