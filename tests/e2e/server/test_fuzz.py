"""Schema-based fuzzing of the running server from the document it serves (schemathesis).

Clients fetch `/openapi.json`, so that is what is fuzzed (it is the same document as
sync/openapi.yaml, test_contract.py). Every operation gets positive and negative generated
requests against a real server over loopback, with the device or admin token its security
scheme names; the server must never answer 5xx, every response must conform to the document,
and schema-valid requests must not be refused as invalid. `make contract-fuzz` runs the same
for minutes with every schemathesis check (tests/e2e/server/contract_fuzz.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlmodel import Session

from sync.server import admin
from sync.server.runner import RunningServer, start_server

from .conftest import ADMIN_TOKEN, MUN, TODAY
from .fuzz_hooks import HEADER, keyed_by_body

EXAMPLES_PER_OPERATION = 15
BUDGET_S = 60.0
OPERATIONS = 14
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    positive_data_acceptance,
]


@pytest.fixture
def seeded(database_url: str, db: Session) -> Iterator[tuple[RunningServer, dict[str, str]]]:
    """A server with today's activities and one enrolled device; a token per security scheme."""
    admin.create_activity(db, "act-fuzz", "Fuzz", TODAY, MUN, designated=True)
    token = admin.create_enroll_token(db, municipality=MUN)
    with start_server(database_url, ADMIN_TOKEN) as running:
        body = httpx.post(f"{running.url}/v1/devices/enroll", json={"token": token}).json()
        yield running, {"deviceToken": body["device_token"], "adminToken": ADMIN_TOKEN}


def _auth(operation: Any, tokens: dict[str, str]) -> dict[str, str]:
    """The bearer token of the operation's security scheme (none for public operations)."""
    definition = operation.definition.raw
    security = definition.get("security", operation.schema.raw_schema.get("security", []))
    for requirement in security:
        for scheme in requirement:
            return {"Authorization": f"Bearer {tokens[scheme]}"}
    return {}


def _headers(case: schemathesis.Case[Any], auth: dict[str, str]) -> dict[str, str]:
    headers = dict(case.headers or {})
    if "authorization" not in {h.lower() for h in headers}:
        headers.update(auth)
    if isinstance(headers.get(HEADER), str):
        headers[HEADER] = keyed_by_body(headers[HEADER], case.body)
    return headers


def _served(server: RunningServer) -> Any:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]


def _fuzz(server: RunningServer, operation: Any, auth: dict[str, str], deadline: float) -> None:
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case[Any]) -> None:
        assert time.monotonic() < deadline, "fuzzing exceeded its time budget"
        case.call_and_validate(
            base_url=server.url, headers=_headers(case, auth), checks=CHECKS, timeout=10
        )

    run()


def _faulted(server: RunningServer, operation: Any, auth: dict[str, str], seen: set[int]) -> None:
    @settings(
        max_examples=6,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def run(case: schemathesis.Case[Any]) -> None:
        response = case.call(base_url=server.url, headers=_headers(case, auth), timeout=10)
        seen.add(response.status_code)
        case.validate_response(response, checks=CHECKS[1:5])

    run()


def test_fuzz_all_operations_no_5xx_and_conformant(
    seeded: tuple[RunningServer, dict[str, str]],
) -> None:
    server, tokens = seeded
    operations = _served(server)
    assert len(operations) == OPERATIONS
    deadline = time.monotonic() + BUDGET_S
    for operation in operations:
        _fuzz(server, operation, _auth(operation, tokens), deadline)


def test_injected_fault_responses_conform_to_the_document(
    seeded: tuple[RunningServer, dict[str, str]],
) -> None:
    """500/401/429/503 from the fault injector are documented problems with their headers."""
    server, tokens = seeded
    operations = _served(server)
    server.set_faults(
        error_rate=0.25, unauthorized_rate=0.25, throttle_rate=0.25, unavailable_rate=0.25, seed=3
    )
    seen: set[int] = set()
    for operation in operations:
        _faulted(server, operation, _auth(operation, tokens), seen)
    assert {401, 429, 500, 503} <= seen
