"""The API contract, generated from the reference server: one source for what is served at
`/openapi.json` and what is checked in as `sync/openapi.yaml`.

    python -m sync.server.contract            # rewrite sync/openapi.yaml (`make contract`)
    python -m sync.server.contract --check    # exit 1 when the file differs from the server

The routes declare operations, parameters and responses; the pydantic models declare the
bodies the server validates; `sync.server.routes.docs` holds the prose. This module adds what
FastAPI does not generate (security schemes, the Problem schema, shared responses) and makes
optional parameters plain (`anyOf [X, null]` becomes `X`: an absent parameter is the null)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from sync.server.routes import docs
from sync.server.routes.common import SHARED

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi.yaml"
SUMMARY = "What check-in kiosks of the Furusato Resident Registration use (§4 of ARCHITECTURE.md)."
TAGS = [
    {"name": "devices"},
    {"name": "pull"},
    {"name": "checkins"},
    {"name": "status"},
    {"name": "reports"},
    {"name": "health"},
]
SECURITY_SCHEMES = {
    "deviceToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The device token from `POST /v1/devices/enroll`.",
    },
    "adminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The server's admin token (`national-api serve --admin-token`).",
    },
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "URI reference, `urn:furusato:problem:<code>`"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string", "description": "Stable machine-readable slug."},
        "errors": {
            "type": "array",
            "description": "Present on `validation-failed`.",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}


class ContractAPI(FastAPI):
    """FastAPI whose `/openapi.json` is the contract document (the same as the yaml)."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = contract_document(self)
        return self.openapi_schema


def contract_document(api: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title=api.title,
        version=api.version,
        summary=SUMMARY,
        description=docs.INTRO,
        routes=api.routes,
        tags=TAGS,
    )
    doc["security"] = [{"deviceToken": []}]
    components = doc.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    _add_documented_schemas(components["schemas"])
    components["schemas"] = dict(sorted(components["schemas"].items()))
    _share_responses(doc)
    for item in doc["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _plain_optional(parameter)
                if parameter["schema"].get("description") == parameter.get("description"):
                    parameter["schema"].pop("description", None)  # said once is enough
    _drop_titles(components["schemas"])
    _drop_titles(doc["paths"])
    return doc


def _add_documented_schemas(schemas: dict[str, Any]) -> None:
    """Bodies no operation carries as JSON but the prose refers to (inside a JWS)."""
    from sync.server.schemas_app import TrustStatementPayload

    for model in (TrustStatementPayload,):
        schema = model.model_json_schema(
            ref_template="#/components/schemas/{model}", mode="serialization"
        )
        for name, definition in schema.pop("$defs", {}).items():
            if schemas.setdefault(name, definition) != definition:
                raise ValueError(f"schema {name} documented two ways")
        schemas[model.__name__] = schema


def _share_responses(doc: dict[str, Any]) -> None:
    shared: dict[str, Any] = {}
    for item in doc["paths"].values():
        for operation in item.values():
            for code, response in operation["responses"].items():
                name = response.pop(SHARED, None)
                if name is None:
                    continue
                if shared.setdefault(name, response) != response:
                    raise ValueError(f"shared response {name} declared two ways")
                operation["responses"][code] = {"$ref": f"#/components/responses/{name}"}
    doc["components"]["responses"] = dict(sorted(shared.items()))


def _plain_optional(parameter: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = parameter["schema"]
    options = schema.get("anyOf")
    if parameter.get("required") or not isinstance(options, list):
        return schema
    rest = [o for o in options if o != {"type": "null"}]
    if len(rest) != 1 or len(rest) == len(options):
        return schema
    plain = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**rest[0], **plain}


def _drop_titles(node: Any) -> None:
    """Pydantic titles every model and field after its name; the names say it already."""
    if isinstance(node, dict):
        if isinstance(node.get("title"), str):
            del node["title"]
        for value in node.values():
            _drop_titles(value)
    elif isinstance(node, list):
        for value in node:
            _drop_titles(value)


def served_document() -> dict[str, Any]:
    """The document of a server built the way `national-api serve` builds it."""
    from sync.server.app import build_api
    from sync.server.db import make_engine
    from sync.server.faults import FaultState

    engine = make_engine("sqlite://")
    try:
        return build_api(engine, admin_token=None, faults=FaultState()).openapi()
    finally:
        engine.dispose()


def to_yaml(doc: dict[str, Any]) -> str:
    import yaml  # type: ignore[import-untyped]  # a development dependency (via schemathesis)

    class _Dumper(yaml.SafeDumper):  # type: ignore[misc]
        pass

    def _text(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _text)
    header = "# Generated from the reference server by `make contract`; do not edit by hand.\n"
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return header + str(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync.server.contract", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs")
    parser.add_argument("file", nargs="?", type=Path, default=SPEC_PATH)
    args = parser.parse_args(argv)
    text = to_yaml(served_document())
    if args.check:
        current = args.file.read_text(encoding="utf-8") if args.file.exists() else ""
        if current != text:
            print(f"{args.file} differs from the server: run `make contract`", file=sys.stderr)
            return 1
        return 0
    args.file.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
