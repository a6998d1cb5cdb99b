"""Schema-based fuzzing of the running server from sync/openapi.yaml (schemathesis).

Every operation gets positive and negative generated requests against a real server over
loopback; the server must never answer 5xx and every response must conform to the document
(status code declared, content type, body schema, required headers).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
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
from sqlmodel import Session

from sync.server import admin
from sync.server.runner import RunningServer, start_server

from .conftest import MUN, TODAY

SPEC = Path(__file__).resolve().parents[3] / "sync" / "openapi.yaml"
EXAMPLES_PER_OPERATION = 25
BUDGET_S = 60.0
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def seeded(database_url: str, db: Session) -> Iterator[tuple[RunningServer, str]]:
    admin.create_activity(db, "act-fuzz", "Fuzz", TODAY, MUN, designated=True)
    token = admin.create_enroll_token(db, municipality=MUN)
    with start_server(database_url) as running:
        body = httpx.post(f"{running.url}/v1/devices/enroll", json={"token": token}).json()
        yield running, body["device_token"]


def test_fuzz_all_operations_no_5xx_and_conformant(seeded: tuple[RunningServer, str]) -> None:
    server, device_token = seeded
    schema = schemathesis.openapi.from_path(SPEC)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) == 12
    auth = {"Authorization": f"Bearer {device_token}"}
    deadline = time.monotonic() + BUDGET_S
    for operation in operations:
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
            headers = dict(case.headers or {})
            if "authorization" not in {h.lower() for h in headers}:
                headers.update(auth)
            case.call_and_validate(base_url=server.url, headers=headers, checks=CHECKS, timeout=10)

        run()


def test_injected_fault_responses_conform_to_the_document(
    seeded: tuple[RunningServer, str],
) -> None:
    """500/401/429/503 from the fault injector are documented problems with their headers."""
    server, device_token = seeded
    server.set_faults(
        error_rate=0.25, unauthorized_rate=0.25, throttle_rate=0.25, unavailable_rate=0.25, seed=3
    )
    schema = schemathesis.openapi.from_path(SPEC)
    auth = {"Authorization": f"Bearer {device_token}"}
    seen: set[int] = set()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]

        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        def run(case: schemathesis.Case[Any]) -> None:
            response = case.call(base_url=server.url, headers=auth, timeout=10)
            seen.add(response.status_code)
            case.validate_response(response, checks=CHECKS[1:])

        run()
    assert {401, 429, 500, 503} <= seen
