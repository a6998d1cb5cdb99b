"""One contract: `sync/openapi.yaml` is generated from the server (`make contract`), and the
server serves that same document at `/openapi.json`; what it validates is what is written."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml  # type: ignore[import-untyped]
from sqlmodel import Session

from sync.server import admin
from sync.server.contract import SPEC_PATH, served_document

from .conftest import TODAY, Device, checkin

METHODS = {"get", "post", "put", "patch", "delete"}


def _json(doc: Any) -> Any:
    return json.loads(json.dumps(doc))


@pytest.fixture(scope="module")
def written() -> dict[str, Any]:
    doc = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    return dict(doc)


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def test_checked_in_document_is_what_the_server_generates(written: dict[str, Any]) -> None:
    assert written == _json(served_document()), "sync/openapi.yaml is stale: run make contract"


def test_served_document_is_the_checked_in_one(
    client: httpx.Client, written: dict[str, Any]
) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == written


def test_the_check_command_detects_drift(tmp_path: Path, written: dict[str, Any]) -> None:
    command = [sys.executable, "-m", "sync.server.contract", "--check"]
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    drifted = tmp_path / "openapi.yaml"
    drifted.write_text(
        SPEC_PATH.read_text(encoding="utf-8").replace("maxLength: 255", "maxLength: 256")
    )
    done = subprocess.run([*command, str(drifted)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "make contract" in done.stderr


def test_every_endpoint_is_present(written: dict[str, Any]) -> None:
    assert set(_operations(written)) == {
        ("/v1/devices/enroll", "post"),
        ("/v1/activities", "get"),
        ("/v1/activities/{activity_id}/devices", "get"),
        ("/v1/trust/jwks", "get"),
        ("/v1/revocations", "get"),
        ("/v1/checkins:batch", "post"),
        ("/v1/checkins:corrections", "post"),
        ("/v1/closeouts", "post"),
        ("/v1/registrants/{registrant}/premium", "get"),
        ("/v1/health", "get"),
        ("/v1/trust/statement", "get"),
        ("/v1/activity-code-keys", "get"),
        ("/v1/checkins:self", "post"),
        ("/v1/activities/{activity_id}/counts", "get"),
    }


def test_errors_are_problem_json_and_throttling_has_retry_after(written: dict[str, Any]) -> None:
    for (path, _method), op in _operations(written).items():
        for code, response in op["responses"].items():
            response = _resolve(written, response)
            if code[0] in "45":
                assert list(response["content"]) == ["application/problem+json"], (path, code)
            if code in ("429", "503"):
                assert response["headers"]["Retry-After"]["required"] is True, (path, code)
        assert {"429", "503", "500"} <= set(op["responses"]), path


def test_idempotency_key_is_required_with_its_pattern(
    written: dict[str, Any], device: Device, db: Session
) -> None:
    for path in ("/v1/checkins:batch", "/v1/checkins:corrections"):
        op = written["paths"][path]["post"]
        [key] = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
        assert key["required"] is True
        assert key["schema"]["pattern"] == "^[\\x21-\\x7E]{1,255}$"
        assert "400" in op["responses"]
    body = {"checkins": [checkin(admin.issue_pass(db).token)]}
    for headers in ({}, {"Idempotency-Key": "has space"}, {"Idempotency-Key": "x" * 256}):
        response = device.client.post("/v1/checkins:batch", json=body, headers=headers)
        assert response.status_code == 400, headers


def test_jwks_is_documented_as_served(written: dict[str, Any], client: httpx.Client) -> None:
    documented = written["paths"]["/v1/trust/jwks"]["get"]["responses"]["200"]["content"]
    served = client.get("/v1/trust/jwks")
    assert list(documented) == [served.headers["content-type"]] == ["application/jwk-set+json"]
    assert written["components"]["schemas"]["Jwk"]["properties"]["kty"]["const"] == "OKP"


def test_dates_are_dates(written: dict[str, Any]) -> None:
    [day] = written["paths"]["/v1/activities"]["get"]["parameters"][:1]
    assert (day["name"], day["schema"]) == ("date", {"type": "string", "format": "date"})
    closeout = written["components"]["schemas"]["CloseoutRequest"]["properties"]
    assert closeout["date"]["format"] == "date"


def test_device_count_is_a_json_integer(written: dict[str, Any], device: Device) -> None:
    """JSON Schema counts 1.0 as an integer: the server must take what the document allows."""
    schema = written["components"]["schemas"]["CloseoutRequest"]["properties"]["device_count"]
    assert schema["type"] == "integer"
    empty = hashlib.sha256(b"").hexdigest()
    body = {"activity_id": "act-hall", "date": TODAY.isoformat(), "digest": empty}
    for good in (0, 0.0):
        response = device.client.post("/v1/closeouts", json={**body, "device_count": good})
        assert response.status_code == 201, good
    for bad in (True, "0", 1.5, -1):
        response = device.client.post("/v1/closeouts", json={**body, "device_count": bad})
        assert response.status_code == 422, bad


def test_every_operation_has_a_stable_id_and_a_summary(written: dict[str, Any]) -> None:
    ids = [op["operationId"] for op in _operations(written).values()]
    assert len(ids) == len(set(ids))
    assert all(op.get("summary") for op in _operations(written).values())
