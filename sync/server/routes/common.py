"""OpenAPI response declarations shared by the routes (the document is generated from them,
sync/server/contract.py).

Responses every operation shares are marked ``x-shared`` with their component name; the
contract generator moves them to ``components/responses`` and refers to them from there."""

from __future__ import annotations

from typing import Any

from sync.server.problems import PROBLEM_MEDIA_TYPE

SHARED = "x-shared"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next attempt.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}
ETAG_HEADER = {
    "ETag": {
        "description": "Entity tag of the document (quoted string).",
        "required": True,
        "schema": {"type": "string"},
    }
}
_SHARED: dict[int, dict[str, Any]] = {
    401: {
        SHARED: "Unauthorized",
        "description": "Device token missing (`missing-token`), unknown or revoked "
        "(`invalid-token`); re-enroll.",
        "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
    },
    422: {
        SHARED: "ValidationFailed",
        "description": "The request does not match this document (`validation-failed`, or "
        "`idempotency-key-reused`).",
    },
    429: {
        SHARED: "TooManyRequests",
        "description": "Slow down (`rate-limited`); wait `Retry-After` seconds.",
        "headers": _RETRY_AFTER,
    },
    503: {
        SHARED: "Unavailable",
        "description": "Temporarily unavailable (`unavailable`); wait `Retry-After` seconds.",
        "headers": _RETRY_AFTER,
    },
    500: {
        SHARED: "Unexpected",
        "description": "Unexpected error, e.g. 500 (`internal-error`); retry later with backoff.",
    },
}


def problem(description: str) -> dict[str, Any]:
    """A problem response (RFC 9457) particular to one operation."""
    return {"description": description, "content": _PROBLEM_CONTENT}


def problems(
    *codes: int, extra: dict[int | str, dict[str, Any] | str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """Problem responses for the given codes plus 429/503 (with Retry-After) and 500.

    `extra` adds responses: a string is the description of a problem response for that code."""
    out: dict[int | str, dict[str, Any]] = {
        code: problem(value) if isinstance(value, str) else value
        for code, value in (extra or {}).items()
    }
    for code in (*codes, 429, 503, 500):
        if code in out:
            continue
        shared = _SHARED.get(code)
        out[code] = (
            {**shared, "content": _PROBLEM_CONTENT}
            if shared is not None
            else problem("Problem details (RFC 9457).")
        )
    return out
