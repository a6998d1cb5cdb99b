"""Errors of the national API client: typed by what the caller should do, parsed from RFC 9457
``application/problem+json`` bodies and ``Retry-After`` headers (`error_for`)."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import httpx

from kiosk.text import sanitize


class ApiError(Exception):
    """A failed API call. `status` is None when no HTTP response arrived."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


class TransportFailure(ApiError):
    """No response: connection refused or dropped, timeout, protocol error."""


class Unauthorized(ApiError):
    """401: the device token is missing, unknown or revoked; the device must re-enroll."""

    retryable = False


class RateLimited(ApiError):
    """429 Too Many Requests (honour `retry_after`)."""


class Unavailable(ApiError):
    """503 Service Unavailable (honour `retry_after`)."""


class ServerError(ApiError):
    """Any other 5xx."""


class RequestRejected(ApiError):
    """A 4xx other than 401/429: the request itself is wrong (e.g. 422 validation-failed)."""

    retryable = False


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP-date); None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _problem(response: httpx.Response) -> tuple[str | None, str]:
    """(code, detail) from a problem+json body, tolerant of anything else."""
    try:
        body = response.json()
    except ValueError:
        return None, response.reason_phrase or f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return None, f"HTTP {response.status_code}"
    code = body.get("code")
    if not isinstance(code, str):
        problem_type = body.get("type")
        code = problem_type.rsplit(":", 1)[-1] if isinstance(problem_type, str) else None
    detail = body.get("detail") or body.get("title") or f"HTTP {response.status_code}"
    # Server text is untrusted: no escape sequences or control characters reach a log or screen.
    return (sanitize(code, 64) if code else None), sanitize(str(detail), 300)


def error_for(response: httpx.Response) -> ApiError:
    """The typed error for a non-2xx response."""
    status = response.status_code
    code, detail = _problem(response)
    message = f"HTTP {status} {code or ''}: {detail}".replace("  ", " ")
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    kind: type[ApiError]
    if status == 401:
        kind = Unauthorized
    elif status == 429:
        kind = RateLimited
    elif status == 503:
        kind = Unavailable
    elif status >= 500:
        kind = ServerError
    else:
        kind = RequestRejected
    return kind(message, status=status, code=code, retry_after=retry_after)
