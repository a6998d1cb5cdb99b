"""Activity codes and the app's self check-in over loopback (issue 17).

The kiosk side is the real kiosk core: keys are pulled from the server, their certificates
verified with the pass keys of a verified trust statement, and codes made by
`kiosk.activity_code.make_activity_code`; the registrant app is plain HTTP without a token.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kiosk.activity_code import ActivityCodeKey, make_activity_code, verify_code_key
from kiosk.jws import b64url_encode, decode_compact, sign_compact
from kiosk.trust import Accepted, verify_statement
from kiosk.trust_anchor import TrustState, anchor_pins_from_document
from sync.server import admin
from sync.server.activity_codes import venue_day, verify_code
from sync.server.closeouts import checkin_digest
from sync.server.participation import fiscal_year_of
from sync.server.runner import RunningServer
from sync.server.settings import NationalSettings
from sync.server.trust_anchor import anchor_info

from .conftest import JST, MUN, OTHER_MUN, Device, checkin, enroll

ACTIVITY = "act-today-beach"


@pytest.fixture
def today_activity(db: Session) -> str:
    today = venue_day(datetime.now(UTC))
    admin.create_activity(db, ACTIVITY, "今日の海岸清掃", today, MUN, designated=True)
    admin.create_activity(db, "act-yesterday", "昨日の清掃", today - timedelta(days=1), MUN)
    admin.create_activity(db, "act-far", "来月", today + timedelta(days=30), MUN)
    return ACTIVITY


def kiosk_keys(device: Device, engine: Engine, **params: str) -> dict[str, ActivityCodeKey]:
    """What the kiosk does while online: verify the statement, then pull and check its keys."""
    with Session(engine) as s:
        state = TrustState.initial(anchor_pins_from_document(anchor_info(s).jwks()))
    outcome = verify_statement(device.client.get("/v1/trust/statement").text, state, time.time())
    assert isinstance(outcome, Accepted), outcome
    response = device.client.get("/v1/activity-code-keys", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    keys = [
        verify_code_key(entry, body["window_seconds"], outcome.statement.keys)
        for entry in body["keys"]
    ]
    return {k.activity_id: k for k in keys}


def app_checkin(server: RunningServer, pass_token: str, code: str) -> dict[str, Any]:
    response = httpx.post(
        f"{server.url}/v1/checkins:self", json={"pass": pass_token, "code": code}, timeout=10
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def counts(device: Device, activity: str = ACTIVITY) -> dict[str, Any]:
    response = device.client.get(f"/v1/activities/{activity}/counts")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_pulled_keys_make_codes_the_server_accepts(
    server: RunningServer, device: Device, db: Session, engine: Engine, today_activity: str
) -> None:
    keys = kiosk_keys(device, engine)
    # today and tomorrow by default (the fixture's activities are today's too); not yesterday,
    # not later
    assert sorted(keys) == ["act-beach", "act-hall", ACTIVITY]
    assert keys[ACTIVITY].window_seconds == 60
    assert sorted(kiosk_keys(device, engine, **{"from": "2000-01-01", "days": "1"})) == []
    again = kiosk_keys(device, engine)  # the same key every time it is asked for
    assert again[ACTIVITY].seed == keys[ACTIVITY].seed

    code = make_activity_code(keys[ACTIVITY], time.time())
    registrant = admin.issue_pass(db, tier="premium", mun=[MUN])
    result = app_checkin(server, registrant.token, code.token)
    assert result["status"] == "accepted", result
    assert (result["activity_id"], result["designated"]) == (ACTIVITY, True)
    assert result["activity_name"] == "今日の海岸清掃"
    uuid.UUID(result["checkin_id"])
    assert counts(device) | {"digest": None} == {
        "activity_id": ACTIVITY,
        "date": venue_day(datetime.now(UTC)).isoformat(),
        "total": 1,
        "gate": 0,
        "app": 1,
        "by_method": {"camera": 0, "wedge": 0, "manual": 0, "paper": 0, "app": 1},
        "digest": None,
    }
    # An app check-in is a participation like any other: it counts for premium.
    report = admin.participations(db, registrant.claims["sub"], fiscal_year_of(keys[ACTIVITY].day))
    assert (report.participations, report.designated) == (1, 1)


def test_a_code_older_than_its_window_is_refused(
    server: RunningServer, device: Device, db: Session, engine: Engine, today_activity: str
) -> None:
    # Time control (the server thread sees it too): 12:00:05 on the activity's day in Japan,
    # so three minutes earlier is the same day whenever the suite runs.
    noon = datetime.combine(venue_day(datetime.now(UTC)), datetime.min.time(), JST)
    with time_machine.travel(noon + timedelta(hours=12, seconds=5), tick=False):
        key = kiosk_keys(device, engine)[ACTIVITY]
        registrant = admin.issue_pass(db)
        now = time.time()
        old = make_activity_code(key, now - 180)
        assert app_checkin(server, registrant.token, old.token)["reason"] == "code_expired"
        assert counts(device)["total"] == 0  # a refused code stores nothing
        fresh = make_activity_code(key, now)
        assert app_checkin(server, registrant.token, fresh.token)["status"] == "accepted"


def test_the_window_and_skew_boundaries(
    device: Device, engine: Engine, today_activity: str
) -> None:
    key = kiosk_keys(device, engine)[ACTIVITY]
    noon = datetime.combine(key.day, datetime.min.time(), UTC) + timedelta(hours=3)  # 12:00 JST
    code = make_activity_code(key, noon.timestamp() + 5)
    settings = NationalSettings()  # 60 s windows, 15 s skew
    start = datetime.fromtimestamp(code.not_before, UTC)
    end = datetime.fromtimestamp(code.expires, UTC)
    skew = timedelta(seconds=15)
    with Session(engine) as s:
        for at, reason in (
            (start - skew - timedelta(seconds=1), "code_not_yet_valid"),
            (start - skew, None),
            (end + skew - timedelta(seconds=1), None),
            (end + skew, "code_expired"),
        ):
            assert verify_code(s, code.token, at, settings).reason == reason, at
        narrow = NationalSettings(code_window_seconds=30)  # the server shortened its windows
        assert verify_code(s, code.token, start, narrow).reason == "bad_code"


def test_the_same_registrant_via_app_and_gate_counts_once(
    server: RunningServer, device: Device, db: Session, engine: Engine, today_activity: str
) -> None:
    key = kiosk_keys(device, engine)[ACTIVITY]
    app_first, gate_first, gate_only = (admin.issue_pass(db) for _ in range(3))

    by_app = app_checkin(server, app_first.token, make_activity_code(key, time.time()).token)
    assert by_app["status"] == "accepted"
    uploads = device.batch(
        [checkin(p.token, ACTIVITY) for p in (app_first, gate_first, gate_only)]
    ).json()["results"]
    assert [r["status"] for r in uploads] == ["duplicate", "accepted", "accepted"]
    assert uploads[0]["first_checkin_id"] == by_app["checkin_id"]

    late_app = app_checkin(server, gate_first.token, make_activity_code(key, time.time()).token)
    assert (late_app["status"], late_app["first_checkin_id"]) == ("duplicate", uploads[1]["id"])
    retry = app_checkin(server, app_first.token, make_activity_code(key, time.time()).token)
    assert (retry["status"], retry["first_checkin_id"]) == ("duplicate", by_app["checkin_id"])

    totals = counts(device)
    assert (totals["total"], totals["gate"], totals["app"]) == (3, 2, 1)
    live_ids = [by_app["checkin_id"], uploads[1]["id"], uploads[2]["id"]]
    assert totals["digest"] == checkin_digest(live_ids)

    mine = [uploads[1]["id"], uploads[2]["id"]]
    receipt = device.client.post(
        "/v1/closeouts",
        json={
            "activity_id": ACTIVITY,
            "date": key.day.isoformat(),
            "device_count": 2,
            "digest": checkin_digest(mine),
        },
    ).json()
    assert receipt["digest_match"] is True  # the device's own uploads: app check-ins excluded
    assert (receipt["server_count"], receipt["combined_unique_count"]) == (2, 3)
    assert receipt["app_count"] == 1
    assert receipt["by_method"] == {"camera": 2, "wedge": 0, "manual": 0, "paper": 0, "app": 1}
    assert receipt["activity_digest"] == totals["digest"]

    # A device cannot void the app's check-in; voiding its own changes the totals.
    corrections = [
        {"id": str(uuid.uuid4()), "checkin_id": i, "action": "void", "reason": "test", "at": t}
        for i, t in ((by_app["checkin_id"], _now()), (uploads[2]["id"], _now()))
    ]
    answered = device.client.post(
        "/v1/checkins:corrections",
        json={"corrections": corrections},
        headers={"Idempotency-Key": "void-1"},
    ).json()["results"]
    assert [(r["status"], r["reason"]) for r in answered] == [
        ("rejected", "not_your_checkin"),
        ("applied", None),
    ]
    assert (counts(device)["gate"], counts(device)["app"]) == (1, 1)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def test_a_screenshot_code_used_the_next_day_is_refused(
    server: RunningServer, device: Device, db: Session, engine: Engine, today_activity: str
) -> None:
    yesterday = (venue_day(datetime.now(UTC)) - timedelta(days=1)).isoformat()
    key = kiosk_keys(device, engine, **{"from": yesterday, "days": "1"})["act-yesterday"]
    screenshot = make_activity_code(key, time.time() - 86400)  # shown at the venue yesterday
    registrant = admin.issue_pass(db)
    assert app_checkin(server, registrant.token, screenshot.token)["reason"] == "code_wrong_day"
    # Even re-signed for the current window with the leaked key, yesterday's key stays
    # yesterday's.
    shown = decode_compact(screenshot.token, max_length=2048)
    payload = {**shown.payload, "nbf": int(time.time()) - 5, "exp": int(time.time()) + 55}
    leaked = Ed25519PrivateKey.from_private_bytes(key.seed)
    rewindowed = sign_compact(shown.header, payload, leaked)
    assert app_checkin(server, registrant.token, rewindowed)["reason"] == "code_wrong_day"
    # ...and cannot speak for another activity (the key is derived per activity and day).
    payload["act"] = ACTIVITY
    other = sign_compact(shown.header, payload, leaked)
    assert app_checkin(server, registrant.token, other)["reason"] == "code_bad_signature"
    assert counts(device)["total"] == 0


def test_codes_bound_to_their_device(
    server: RunningServer, device: Device, db: Session, engine: Engine, today_activity: str
) -> None:
    key = kiosk_keys(device, engine)[ACTIVITY]
    code = make_activity_code(key, time.time()).token
    registrant = admin.issue_pass(db)
    shown = decode_compact(code, max_length=2048)
    other_device = enroll(server, db)
    other_key = kiosk_keys(other_device, engine)[ACTIVITY]
    assert other_key.seed != key.seed  # one key per device
    borrowed = sign_compact(  # one device's key speaking for another device
        shown.header,
        {**shown.payload, "dev": other_device.device_id},
        Ed25519PrivateKey.from_private_bytes(key.seed),
    )
    assert app_checkin(server, registrant.token, borrowed)["reason"] == "code_bad_signature"
    for garbage in ("x", "a.b.c", code.replace(".", "", 1), "ey" * 1000):
        assert app_checkin(server, registrant.token, garbage)["reason"] == "bad_code"
    admin.disable_device(db, device.device_id)
    assert app_checkin(server, registrant.token, code)["reason"] == "code_key_revoked"
    still_enabled = make_activity_code(other_key, time.time()).token
    assert app_checkin(server, registrant.token, still_enabled)["status"] == "accepted"
    other_device.client.close()


def test_pass_problems_are_the_gates_rejections(
    server: RunningServer, device: Device, db: Session, engine: Engine, today_activity: str
) -> None:
    key = kiosk_keys(device, engine)[ACTIVITY]
    code = make_activity_code(key, time.time()).token
    revoked = admin.issue_pass(db)
    admin.revoke(db, jti=str(revoked.claims["jti"]))
    now = int(time.time())
    expired = admin.issue_pass(db, iat=now - 2 * 86400, exp=now - 86400)
    assert app_checkin(server, revoked.token, code)["reason"] == "revoked"
    assert app_checkin(server, expired.token, code)["reason"] == "expired"
    assert app_checkin(server, "not-a-pass", code)["reason"] == "bad_encoding"
    assert counts(device)["total"] == 0
    bad = httpx.post(f"{server.url}/v1/checkins:self", json={"pass": "p", "code": "c", "x": 1})
    assert bad.status_code == 422


def test_counts_are_per_device_visibility(
    server: RunningServer, device: Device, db: Session, today_activity: str
) -> None:
    assert device.client.get("/v1/activities/act-sapporo/counts").status_code == 404
    assert device.client.get("/v1/activities/no-such/counts").status_code == 404
    assert httpx.get(f"{server.url}/v1/activities/{ACTIVITY}/counts").status_code == 401
    sapporo = enroll(server, db, OTHER_MUN)
    assert sapporo.client.get(f"/v1/activities/{ACTIVITY}/counts").status_code == 404
    today = venue_day(datetime.now(UTC))
    admin.create_activity(db, "act-sapporo-today", "雪かき", today, OTHER_MUN)
    keys = sapporo.client.get("/v1/activity-code-keys").json()["keys"]
    assert sorted(k["activity_id"] for k in keys) == ["act-sapporo", "act-sapporo-today"]
    sapporo.client.close()


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 700 + b"]" * 700,
        b'{"act": 1' + b"0" * 1400 + b"}",
        b'{"act": "a", "act": "b"}',
        b'{"nbf": 1e999}',
        b"\xff",
    ],
)
def test_hostile_codes_are_bad_codes(
    server: RunningServer, db: Session, today_activity: str, payload: bytes
) -> None:
    header = b64url_encode(b'{"alg":"EdDSA","typ":"furusato-activity+jwt","kid":"ack-x"}')
    token = f"{header}.{b64url_encode(payload)}.{b64url_encode(bytes(64))}"
    assert app_checkin(server, admin.issue_pass(db).token, token)["reason"] == "bad_code"
