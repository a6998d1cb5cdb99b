"""Pulls: activities (since cursor), trust list (ETag, key rotation), revocations (cursor)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlmodel import Session

from sync.server import admin
from sync.server.codes import utc_now
from sync.server.runner import RunningServer
from sync.server.tables import Revocation

from .conftest import MUN, OTHER_MUN, TODAY, Device, checkin, enroll


def test_activities_are_the_devices_municipality_only(device: Device) -> None:
    response = device.client.get("/v1/activities")
    assert response.status_code == 200
    ids = [a["id"] for a in response.json()["activities"]]
    assert ids == ["act-beach", "act-hall"]
    beach = response.json()["activities"][0]
    assert beach["designated"] is True
    assert beach["date"] == TODAY.isoformat()
    assert beach["municipality"] == MUN


def test_activities_since_cursor_is_incremental(device: Device, db: Session) -> None:
    first = device.client.get("/v1/activities").json()
    cursor = first["next_since"]
    assert device.client.get("/v1/activities", params={"since": cursor}).json() == {
        "activities": [],
        "next_since": cursor,
    }
    admin.create_activity(db, "act-new", "New", TODAY, MUN)
    admin.create_activity(db, "act-hall", "Hall festival (moved)", TODAY, MUN, venue="Gym")
    admin.create_activity(db, "act-sapporo-2", "Elsewhere", TODAY, OTHER_MUN)
    later = device.client.get("/v1/activities", params={"since": cursor}).json()
    assert [a["id"] for a in later["activities"]] == ["act-new", "act-hall"]
    assert later["activities"][1]["venue"] == "Gym"
    assert int(later["next_since"]) > int(cursor)


def test_activities_filter_by_date(device: Device, db: Session) -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    admin.create_activity(db, "act-tomorrow", "Tomorrow", tomorrow, MUN)
    body = device.client.get("/v1/activities", params={"date": tomorrow.isoformat()}).json()
    assert [a["id"] for a in body["activities"]] == ["act-tomorrow"]
    for bad in ("24/11/2026", "2026-11-31", "20261124", "1700000000"):
        response = device.client.get("/v1/activities", params={"date": bad})
        assert response.status_code == 422, bad
        assert response.json()["code"] == "validation-failed"


def test_organisation_device_sees_its_organisation_only(server: RunningServer, db: Session) -> None:
    admin.create_organisation(db, "rmo-kanda", "神田 RMO", MUN, kind="rmo")
    admin.create_activity(db, "act-rmo", "RMO patrol", TODAY, MUN, organisation="rmo-kanda")
    token = admin.create_enroll_token(db, organisation="rmo-kanda")
    body = httpx.post(f"{server.url}/v1/devices/enroll", json={"token": token}).json()
    assert body["organisation"] == "rmo-kanda"
    auth = {"Authorization": f"Bearer {body['device_token']}"}
    acts = httpx.get(f"{server.url}/v1/activities", headers=auth).json()["activities"]
    assert [a["id"] for a in acts] == ["act-rmo"]


def test_jwks_etag_and_304(client: httpx.Client) -> None:
    first = client.get("/v1/trust/jwks")
    assert first.status_code == 200
    etag = first.headers["etag"]
    keys = first.json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "OKP"
    assert keys[0]["crv"] == "Ed25519"
    assert keys[0]["kid"]
    cached = client.get("/v1/trust/jwks", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    stale = client.get("/v1/trust/jwks", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_key_rotation_old_key_verifies_until_removed(
    client: httpx.Client, device: Device, db: Session
) -> None:
    old_etag = client.get("/v1/trust/jwks").headers["etag"]
    old_pass = admin.issue_pass(db, tier="basic")
    new_kid = admin.rotate_key(db)
    new_pass = admin.issue_pass(db, tier="basic")
    assert new_pass.kid == new_kid != old_pass.kid
    rotated = client.get("/v1/trust/jwks", headers={"If-None-Match": old_etag})
    assert rotated.status_code == 200
    assert {k["kid"] for k in rotated.json()["keys"]} == {old_pass.kid, new_kid}
    results = device.batch([checkin(old_pass.token), checkin(new_pass.token)]).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"]

    admin.remove_key(db, old_pass.kid)
    assert [k["kid"] for k in client.get("/v1/trust/jwks").json()["keys"]] == [new_kid]
    late = admin.issue_pass(db, kid=new_kid)
    results = device.batch([checkin(old_pass.token, "act-hall"), checkin(late.token)]).json()
    assert [(r["status"], r["reason"]) for r in results["results"]] == [
        ("rejected", "unknown_key"),
        ("accepted", None),
    ]


def test_active_key_cannot_be_removed(db: Session) -> None:
    kid = admin.rotate_key(db)
    with pytest.raises(admin.KeyOperationError):
        admin.remove_key(db, kid)


def test_revocations_cursor_is_incremental(device: Device, db: Session) -> None:
    start = device.client.get("/v1/revocations").json()
    assert start == {"jti": [], "sub": [], "next_cursor": "0", "has_more": False}
    admin.revoke(db, jti="jti-1")
    admin.revoke(db, sub="FR7K3M9Q2XPD", reason="fraud")
    page = device.client.get("/v1/revocations", params={"cursor": "0"}).json()
    assert page["jti"] == ["jti-1"]
    assert page["sub"] == ["FR7K3M9Q2XPD"]
    cursor = page["next_cursor"]
    same = device.client.get("/v1/revocations", params={"cursor": cursor}).json()
    assert same == {"jti": [], "sub": [], "next_cursor": cursor, "has_more": False}
    admin.revoke(db, jti="jti-2")
    admin.revoke(db, jti="jti-1")  # already revoked: no new entry
    more = device.client.get("/v1/revocations", params={"cursor": cursor}).json()
    assert more["jti"] == ["jti-2"]
    assert more["sub"] == []
    assert int(more["next_cursor"]) > int(cursor)
    assert device.client.get("/v1/revocations", params={"cursor": "x"}).status_code == 422


def test_revocations_page_and_has_more(device: Device, db: Session) -> None:
    for i in range(1005):
        db.add(Revocation(kind="jti", value=f"bulk-{i}", created_at=utc_now()))
    db.commit()
    first = device.client.get("/v1/revocations").json()
    assert len(first["jti"]) == 1000
    assert first["has_more"] is True
    rest = device.client.get("/v1/revocations", params={"cursor": first["next_cursor"]}).json()
    assert len(rest["jti"]) == 5
    assert rest["has_more"] is False


def test_second_device_of_other_municipality(server: RunningServer, db: Session) -> None:
    other = enroll(server, db, OTHER_MUN)
    ids = [a["id"] for a in other.client.get("/v1/activities").json()["activities"]]
    assert ids == ["act-sapporo"]
