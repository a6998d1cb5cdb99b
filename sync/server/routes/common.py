"""OpenAPI response declarations shared by the routes (kept equal to sync/openapi.yaml)."""

from __future__ import annotations

from typing import Any

from sync.server.problems import PROBLEM_MEDIA_TYPE

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def problems(
    *codes: int, extra: dict[int | str, dict[str, Any]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """Problem responses for the given codes plus 429/503 (with Retry-After) and 500."""
    out: dict[int | str, dict[str, Any]] = dict(extra or {})
    for code in (*codes, 429, 503):
        entry: dict[str, Any] = {
            "description": "Problem details (RFC 9457)",
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"type": "object"}}},
        }
        if code in (429, 503):
            entry["headers"] = _RETRY_AFTER
        out[code] = entry
    out[500] = {
        "description": "Unexpected error (RFC 9457)",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"type": "object"}}},
    }
    return out
