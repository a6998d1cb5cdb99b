"""Enrollment (single-use token) and device authentication (401 means re-enroll)."""

from __future__ import annotations

import datetime as dt
import email.utils

import httpx
from sqlmodel import Session

from sync.server import admin
from sync.server.runner import RunningServer

from .conftest import MUN, enroll


def test_enroll_returns_device_token_that_authenticates(
    server: RunningServer, db: Session, client: httpx.Client
) -> None:
    token = admin.create_enroll_token(db, municipality=MUN)
    response = client.post("/v1/devices/enroll", json={"token": token, "name": "Gate 1"})
    assert response.status_code == 201
    body = response.json()
    assert body["device_id"].startswith("dev-")
    assert body["municipality"] == MUN
    assert body["organisation"] is None
    auth = {"Authorization": f"Bearer {body['device_token']}"}
    assert client.get("/v1/activities", headers=auth).status_code == 200


def test_enrollment_token_is_single_use(client: httpx.Client, db: Session) -> None:
    token = admin.create_enroll_token(db, municipality=MUN)
    assert client.post("/v1/devices/enroll", json={"token": token}).status_code == 201
    again = client.post("/v1/devices/enroll", json={"token": token})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "enrollment-token-used"


def test_unknown_enrollment_token_is_forbidden(client: httpx.Client) -> None:
    response = client.post("/v1/devices/enroll", json={"token": "fke_nope"})
    assert response.status_code == 403
    assert response.json()["type"] == "urn:furusato:problem:invalid-enrollment-token"


def test_missing_and_invalid_device_token_are_401_problems(client: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Bearer fkd_forged"}, {"Authorization": "Basic x"}):
        response = client.get("/v1/revocations", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["status"] == 401


def test_disabled_device_gets_401_and_can_re_enroll(server: RunningServer, db: Session) -> None:
    device = enroll(server, db)
    assert device.client.get("/v1/activities").status_code == 200
    admin.disable_device(db, device.device_id)
    assert device.client.get("/v1/activities").status_code == 401
    replacement = enroll(server, db)
    assert replacement.device_id != device.device_id
    assert replacement.client.get("/v1/activities").status_code == 200


def test_health_reports_server_time_and_every_response_has_date(client: httpx.Client) -> None:
    response = client.get("/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    served = email.utils.parsedate_to_datetime(response.headers["date"])
    reported = dt.datetime.fromisoformat(body["time"])
    assert reported.tzinfo is not None
    assert abs((reported - served).total_seconds()) < 5
    problem = client.get("/v1/revocations")
    assert problem.status_code == 401
    assert "date" in problem.headers


def test_expired_enrollment_token_is_forbidden(client: httpx.Client, db: Session) -> None:
    token = admin.create_enroll_token(db, municipality=MUN, expires_in=dt.timedelta(0))
    response = client.post("/v1/devices/enroll", json={"token": token})
    assert response.status_code == 403
    fresh = admin.create_enroll_token(db, municipality=MUN, expires_in=dt.timedelta(hours=1))
    assert client.post("/v1/devices/enroll", json={"token": fresh}).status_code == 201
