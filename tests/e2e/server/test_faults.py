"""Fault injection, switched at runtime over the admin endpoint, observed by an HTTP client."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from sync.server import admin
from sync.server.faults import FaultConfig, FaultState, parse_fault_flags
from sync.server.runner import RunningServer
from sync.server.tables import Checkin

from .conftest import Device, checkin


def set_faults(admin_client: httpx.Client, **config: Any) -> dict[str, Any]:
    response = admin_client.post("/admin/faults", json=config)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_admin_endpoint_needs_the_admin_token(client: httpx.Client) -> None:
    assert client.post("/admin/faults", json={"offline": True}).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/admin/faults", headers=wrong).status_code == 401
    assert client.get("/v1/health").status_code == 200


def test_error_rate_gives_500_problems(admin_client: httpx.Client, client: httpx.Client) -> None:
    set_faults(admin_client, error_rate=1.0)
    response = client.get("/v1/health")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    admin_client.delete("/admin/faults")
    assert client.get("/v1/health").status_code == 200


@pytest.mark.parametrize(("field", "status"), [("throttle_rate", 429), ("unavailable_rate", 503)])
def test_throttle_and_unavailable_carry_retry_after(
    admin_client: httpx.Client, client: httpx.Client, field: str, status: int
) -> None:
    set_faults(admin_client, **{field: 1.0, "retry_after_s": 17})
    response = client.get("/v1/health")
    assert response.status_code == status
    assert response.headers["retry-after"] == "17"
    assert "date" in response.headers


def test_forced_401(admin_client: httpx.Client, device: Device) -> None:
    set_faults(admin_client, unauthorized_rate=1.0)
    response = device.client.get("/v1/activities")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid-token"
    assert device.client.get("/v1/health").status_code == 200  # public: never a 401


def test_latency_is_added(admin_client: httpx.Client, client: httpx.Client) -> None:
    set_faults(admin_client, latency_ms=400)
    started = time.monotonic()
    assert client.get("/v1/health").status_code == 200
    assert time.monotonic() - started >= 0.4


def test_dropped_connection_has_no_response(
    admin_client: httpx.Client, client: httpx.Client
) -> None:
    set_faults(admin_client, drop_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/v1/health")
    admin_client.delete("/admin/faults")
    assert client.get("/v1/health").status_code == 200


def test_offline_drops_everything_but_admin(
    admin_client: httpx.Client, client: httpx.Client
) -> None:
    set_faults(admin_client, offline=True)
    for path in ("/v1/health", "/v1/trust/jwks", "/openapi.json"):
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(path)
    state = admin_client.get("/admin/faults").json()
    assert state["injected"]["offline"] == 3
    admin_client.delete("/admin/faults")
    assert client.get("/v1/health").status_code == 200


def test_response_lost_after_commit_is_resolved_by_retry(
    admin_client: httpx.Client, device: Device, db: Session
) -> None:
    set_faults(admin_client, lost_after_commit_rate=1.0, paths=["/v1/checkins:batch"])
    items = [checkin(admin.issue_pass(db).token) for _ in range(3)]
    with pytest.raises(httpx.RemoteProtocolError):
        device.batch(items, key="lost-1")
    assert len(db.exec(select(Checkin)).all()) == 3  # committed although no response came
    assert device.client.get("/v1/activities").status_code == 200  # other paths unaffected
    admin_client.delete("/admin/faults")
    retry = device.batch(items, key="lost-1")
    assert [r["status"] for r in retry.json()["results"]] == ["accepted"] * 3
    assert len(db.exec(select(Checkin)).all()) == 3


def test_remaining_budget_and_seeded_determinism(
    admin_client: httpx.Client, client: httpx.Client
) -> None:
    set_faults(admin_client, error_rate=1.0, remaining=2)
    codes = [client.get("/v1/health").status_code for _ in range(4)]
    assert codes == [500, 500, 200, 200]

    def run() -> list[int]:
        set_faults(admin_client, error_rate=0.3, throttle_rate=0.2, seed=42)
        return [client.get("/v1/health").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert {500, 429, 200} <= set(first)


def test_fault_flags_and_validation() -> None:
    config = parse_fault_flags(["error_rate=0.25", "offline=true", "paths=/v1/a,/v1/b"])
    assert config == FaultConfig(error_rate=0.25, offline=True, paths=["/v1/a", "/v1/b"])
    with pytest.raises(ValueError, match="sum"):
        FaultConfig(error_rate=0.7, drop_rate=0.7)
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_fault_flags(["error_rate"])
    assert FaultState(FaultConfig(seed=1)).decide("/v1/health").action is None


def test_bad_fault_config_is_rejected(admin_client: httpx.Client) -> None:
    assert admin_client.post("/admin/faults", json={"error_rate": 2}).status_code == 422
    assert admin_client.post("/admin/faults", json={"typo": 1}).status_code == 422


def test_in_process_switch(server: RunningServer, client: httpx.Client) -> None:
    server.set_faults(unavailable_rate=1.0)
    assert client.get("/v1/health").status_code == 503
    server.set_faults()
    assert client.get("/v1/health").status_code == 200
