"""Drift test: the served app's OpenAPI must match sync/openapi.yaml, the written contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from sqlalchemy.engine import Engine

from sync.server.app import build_api
from sync.server.faults import FaultState

SPEC = Path(__file__).resolve().parents[3] / "sync" / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _body_shape(doc: dict[str, Any], schema: Any) -> tuple[frozenset[str], frozenset[str]]:
    schema = _resolve(doc, schema)
    return frozenset(schema.get("properties", {})), frozenset(schema.get("required", []))


def summarize(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """What must agree, per operation: ids, status codes, parameters, body fields."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            params = [_resolve(doc, p) for p in op.get("parameters", [])]
            content = _resolve(doc, op.get("requestBody", {})).get("content", {})
            request = content.get("application/json", {}).get("schema")
            responses = {}
            for code, response in op["responses"].items():
                media = _resolve(doc, response).get("content", {})
                json_schema = next(
                    (m["schema"] for t, m in media.items() if t.endswith("json") and "schema" in m),
                    None,
                )
                if json_schema is None:  # no body, or not JSON (e.g. application/jose)
                    media_types = sorted(media) if code.startswith("2") else None
                    responses[code] = frozenset(media_types) if media_types else None
                    continue
                fields = _body_shape(doc, json_schema)[0] if code.startswith("2") else None
                responses[code] = fields
            out[(path, method)] = {
                "operationId": op.get("operationId"),
                "statuses": sorted(responses),
                "success_fields": {k: v for k, v in responses.items() if k.startswith("2")},
                "query": sorted(p["name"] for p in params if p["in"] == "query"),
                "headers": sorted(p["name"].lower() for p in params if p["in"] == "header"),
                "request": _body_shape(doc, request) if request is not None else None,
            }
    return out


@pytest.fixture
def served_spec(engine: Engine) -> dict[str, Any]:
    api = build_api(engine, admin_token="x", faults=FaultState())
    return api.openapi()


@pytest.fixture
def written_spec() -> dict[str, Any]:
    doc = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    return dict(doc)


def test_paths_and_methods_match(served_spec: dict[str, Any], written_spec: dict[str, Any]) -> None:
    assert sorted(summarize(served_spec)) == sorted(summarize(written_spec))


def test_every_operation_matches(served_spec: dict[str, Any], written_spec: dict[str, Any]) -> None:
    served, written = summarize(served_spec), summarize(written_spec)
    for key in sorted(written):
        assert served[key] == written[key], key


def test_every_endpoint_of_the_architecture_is_present(written_spec: dict[str, Any]) -> None:
    expected = {
        ("/v1/devices/enroll", "post"),
        ("/v1/activities", "get"),
        ("/v1/trust/jwks", "get"),
        ("/v1/revocations", "get"),
        ("/v1/checkins:batch", "post"),
        ("/v1/checkins:corrections", "post"),
        ("/v1/closeouts", "post"),
        ("/v1/health", "get"),
        ("/v1/trust/statement", "get"),
        ("/v1/activity-code-keys", "get"),
        ("/v1/checkins:self", "post"),
        ("/v1/activities/{activity_id}/counts", "get"),
    }
    assert set(summarize(written_spec)) == expected


def test_errors_are_problem_json_and_throttling_has_retry_after(
    written_spec: dict[str, Any],
) -> None:
    for (path, method), _ in summarize(written_spec).items():
        op = written_spec["paths"][path][method]
        for code, response in op["responses"].items():
            response = _resolve(written_spec, response)
            if code[0] in "45":
                assert list(response["content"]) == ["application/problem+json"], (path, code)
            if code in ("429", "503"):
                assert "Retry-After" in response["headers"], (path, code)
        assert {"429", "503", "500"} <= set(op["responses"]), path


def test_drift_is_detected(served_spec: dict[str, Any], written_spec: dict[str, Any]) -> None:
    written_spec["paths"]["/v1/closeouts"]["post"]["responses"].pop("404")
    assert summarize(served_spec) != summarize(written_spec)
