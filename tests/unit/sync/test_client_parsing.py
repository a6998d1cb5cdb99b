"""sync.client parsing and sync.uploader batch keys (no network: real httpx.Response objects)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kiosk.store import ServerAnswer
from sync.answers import checkin_results
from sync.api_errors import (
    RateLimited,
    RequestRejected,
    ServerError,
    Unauthorized,
    Unavailable,
    error_for,
    parse_retry_after,
)
from sync.batches import Batch, checkin_payload, idempotency_key

PROBLEM = "application/problem+json"


def _response(status: int, body: object = None, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        json=body,
        headers={"content-type": PROBLEM, **headers},
        request=httpx.Request("POST", "http://127.0.0.1/v1/checkins:batch"),
    )


def test_retry_after_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Mon, 23 Nov 2026 10:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 23 Nov 2026 09:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (401, Unauthorized, False),
        (429, RateLimited, True),
        (503, Unavailable, True),
        (500, ServerError, True),
        (502, ServerError, True),
        (422, RequestRejected, False),
        (404, RequestRejected, False),
    ],
)
def test_problem_responses_become_typed_errors(
    status: int, kind: type[Exception], retryable: bool
) -> None:
    body = {
        "type": "urn:furusato:problem:rate-limited",
        "title": "x",
        "status": status,
        "detail": "slow down",
        "code": "rate-limited",
    }
    error = error_for(_response(status, body, **{"retry-after": "3"}))
    assert isinstance(error, kind)
    assert error.retryable is retryable
    assert error.status == status
    assert error.code == "rate-limited"
    assert error.retry_after == 3.0
    assert "slow down" in str(error)


def test_non_problem_bodies_still_give_an_error() -> None:
    response = httpx.Response(
        502, text="<html>bad gateway</html>", request=httpx.Request("GET", "http://x/")
    )
    error = error_for(response)
    assert isinstance(error, ServerError)
    assert error.code is None


def test_payload_leaves_out_what_the_server_would_refuse() -> None:
    item = checkin_payload(
        checkin_id="0b6f3c1e-8d0a-4a53-9a59-1f2e3d4c5b6a",
        activity_id="act",
        method="paper",
        scanned_at="2026-11-23T10:00:00+00:00",
        scanned_at_corrected=None,
        clock_trusted=False,
        pass_token=None,
        registrant="PAPER-1",  # not a registrant id: paper records have none
        tier=None,
    )
    assert item == {
        "id": "0b6f3c1e-8d0a-4a53-9a59-1f2e3d4c5b6a",
        "activity_id": "act",
        "method": "paper",
        "scanned_at": "2026-11-23T10:00:00+00:00",
        "clock_trusted": False,
    }


def _items(n: int, offset: timedelta | None = None) -> list[dict[str, object]]:
    return [
        checkin_payload(
            checkin_id=f"00000000-0000-4000-8000-{i:012d}",
            activity_id="act",
            method="camera",
            scanned_at="2026-11-23T10:00:00+00:00",
            scanned_at_corrected=None if offset is None else "2026-11-23T10:00:05+00:00",
            clock_trusted=offset is not None,
            pass_token="a.b.c",
            registrant="FR7K3M9Q2XPD",
            tier="premium",
        )
        for i in range(n)
    ]


def test_idempotency_key_is_stable_for_the_same_batch() -> None:
    assert Batch.of(_items(3)).key == Batch.of(_items(3)).key  # a retry, even after a restart
    assert idempotency_key(_items(3)) != idempotency_key(_items(4))  # another set
    assert idempotency_key(_items(3)) != idempotency_key(_items(3, timedelta(seconds=5)))
    key = Batch.of(_items(200)).key
    assert key.startswith("fk1-")
    assert len(key) == 68
    assert key.isascii()


def test_batch_results_keep_what_the_server_said_beyond_the_status() -> None:
    first = "0F0E0D0C-0000-4000-8000-000000000001"
    body = {
        "results": [
            {
                "id": "AAAAAAAA-0000-4000-8000-000000000002",
                "status": "duplicate",
                "reason": None,
                "counts": True,
                "first_checkin_id": first,
                "first_device_id": "dev-1",
                "first_device_name": "Gate 1\x1b[2J\u2028",
                "first_scanned_at": "2026-11-23T01:25:00Z",
            },
            {"id": "b", "status": "rejected", "reason": "revoked\x1b[31m", "counts": "no"},
            {"id": "c", "status": "accepted", "first_checkin_id": "not-a-uuid"},
        ]
    }
    dup, rejected, accepted = checkin_results(body)
    assert dup.id == "aaaaaaaa-0000-4000-8000-000000000002"
    assert dup.answer == ServerAnswer(
        counts=True,
        first_checkin_id=first.lower(),
        first_device_id="dev-1",
        first_device_name="Gate 1",
        first_scanned_at="2026-11-23T01:25:00+00:00",
    )
    assert (rejected.reason, rejected.counts) == ("revoked", None)
    assert (accepted.counts, accepted.first_checkin_id) == (None, None)
    with pytest.raises(ServerError):
        checkin_results({"results": [{"id": "x", "status": "maybe"}]})
    with pytest.raises(ServerError):
        checkin_results({"results": "none"})


def test_only_manual_and_paper_items_carry_an_attestation() -> None:
    base: dict[str, Any] = {
        "checkin_id": "c",
        "activity_id": "a",
        "scanned_at": "2026-11-23T01:00:00+00:00",
        "scanned_at_corrected": None,
        "clock_trusted": True,
        "pass_token": None,
        "registrant": "FR0000000001",
        "tier": None,
    }
    vouched = ("rmo-sato\x1b[31m", "known to the RMO")
    manual = checkin_payload(method="manual", attestation=vouched, **base)
    assert manual["attestation"] == {"operator": "rmo-sato", "reason": "known to the RMO"}
    assert "attestation" not in checkin_payload(method="camera", attestation=vouched, **base)
    assert "attestation" not in checkin_payload(method="paper", attestation=(" ", "x"), **base)
    assert "attestation" not in checkin_payload(method="manual", **base)
