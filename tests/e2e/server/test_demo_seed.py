"""The demo seed (``kiosk demo``): an organisation device sees its activities; passes work."""

from __future__ import annotations

import datetime as dt
import time

import httpx
from sqlalchemy.engine import Engine

from kiosk.activity_code import make_activity_code, verify_code_key
from kiosk.trust import Accepted, verify_statement
from kiosk.trust_anchor import TrustState, anchor_pins_from_document
from sync.server.activity_codes import venue_day
from sync.server.demo import seed_demo
from sync.server.runner import start_server

from .conftest import TODAY, checkin


def test_demo_seed_is_usable_end_to_end(database_url: str, engine: Engine) -> None:
    seed = seed_demo(engine, TODAY)
    assert seed.activity_id in seed.activity_ids
    assert len({p.claims["sub"] for p in seed.passes}) == len(seed.passes) >= 10
    with start_server(database_url) as server:
        enrolled = httpx.post(f"{server.url}/v1/devices/enroll", json={"token": seed.enroll_token})
        assert enrolled.status_code == 201
        assert enrolled.json()["organisation"] == seed.organisation
        client = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {enrolled.json()['device_token']}"},
        )
        acts = client.get("/v1/activities", params={"date": TODAY.isoformat()}).json()["activities"]
        assert sorted(a["id"] for a in acts) == sorted(seed.activity_ids)
        items = [checkin(p.token, seed.activity_id) for p in seed.passes[:2]]
        items += [checkin(p.token, seed.activity_id) for p in seed.rejected_passes]
        response = client.post(
            "/v1/checkins:batch", json={"checkins": items}, headers={"Idempotency-Key": "demo-1"}
        )
        assert [(r["status"], r["reason"]) for r in response.json()["results"]] == [
            ("accepted", None),
            ("accepted", None),
            ("rejected", "expired"),
            ("rejected", "revoked"),
        ]
        revoked = client.get("/v1/revocations").json()["jti"]
        assert revoked == [seed.rejected_passes[1].claims["jti"]]
        client.close()


def test_demo_seed_supports_the_signed_trust_and_app_flow(
    database_url: str, engine: Engine
) -> None:
    today = venue_day(dt.datetime.now(dt.UTC))
    seed = seed_demo(engine, today)
    state = TrustState.initial(anchor_pins_from_document(seed.anchor_jwks))
    assert state.anchors[0].thumbprint == seed.anchor_thumbprint
    app_subs = {p.claims["sub"] for p in seed.app_passes}
    assert len(app_subs) == 2
    assert not app_subs & {p.claims["sub"] for p in seed.passes}
    with start_server(database_url) as server:
        enrolled = httpx.post(f"{server.url}/v1/devices/enroll", json={"token": seed.enroll_token})
        auth = {"Authorization": f"Bearer {enrolled.json()['device_token']}"}
        client = httpx.Client(base_url=server.url, headers=auth)
        statement = verify_statement(client.get("/v1/trust/statement").text, state, time.time())
        assert isinstance(statement, Accepted), statement
        body = client.get("/v1/activity-code-keys").json()
        keys = {
            k.activity_id: k
            for k in (
                verify_code_key(e, body["window_seconds"], statement.statement.keys)
                for e in body["keys"]
            )
        }
        assert sorted(keys) == sorted(seed.activity_ids)
        code = make_activity_code(keys[seed.activity_id], time.time())
        answer = httpx.post(
            f"{server.url}/v1/checkins:self",
            json={"pass": seed.app_passes[0].token, "code": code.token},
        ).json()
        assert (answer["status"], answer["designated"]) == ("accepted", True)
        counts = client.get(f"/v1/activities/{seed.activity_id}/counts").json()
        assert (counts["app"], counts["gate"]) == (1, 0)
        client.close()
