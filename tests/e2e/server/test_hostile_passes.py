"""Hostile pass content and hostile bodies get 4xx answers or per-item rejections, never a 5xx."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.hostile import deep
from tests.passkit import b64url

from .conftest import Device, checkin


@pytest.mark.parametrize("target", ["header", "payload"])
@pytest.mark.parametrize("depth", [1000, 3000])
def test_deeply_nested_pass_is_a_rejected_item(device: Device, target: str, depth: int) -> None:
    nested = b64url(deep(depth).encode())
    token = f"{nested}.e30.AAAA" if target == "header" else f"e30.{nested}.AAAA"
    response = device.batch([checkin(token)])
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "rejected"


@pytest.mark.parametrize("body", [deep(100_000), '{"checkins": ' + deep(5000) + "]}"])
def test_deeply_nested_request_body_is_a_client_error(device: Device, body: str) -> None:
    response = device.client.post(
        "/v1/checkins:batch",
        content=body.encode(),
        headers={"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_oversized_body_is_refused_without_reading_it_all(device: Device) -> None:
    response = device.client.post(
        "/v1/checkins:batch",
        content=b"[" + b" " * (20 * 1024 * 1024) + b"]",
        headers={"Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 413, 422)
    assert isinstance(response, httpx.Response)
