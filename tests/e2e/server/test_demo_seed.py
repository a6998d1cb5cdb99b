"""The demo seed (``kiosk demo``): an organisation device sees its activities; passes work."""

from __future__ import annotations

import httpx
from sqlalchemy.engine import Engine

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
