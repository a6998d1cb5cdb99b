"""HTTP client for the national API (architecture §4).

Every request has a timeout; errors come back as typed exceptions parsed from RFC 9457
``application/problem+json`` bodies; every response's ``Date`` header (and the health
endpoint's precise ``time``) gives the device its clock offset.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from kiosk.store.tables import CorrectionStatus, SyncStatus
from kiosk.text import sanitize

USER_AGENT = "furusato-kiosk/0.1"
SAMPLE_MAX_AGE_S = 300.0  # a precise clock sample older than this yields to a Date header
_REGISTRANT = re.compile(r"^FR[0-9A-HJKMNP-TV-Z]{10}$")
CHECKIN_ANSWERS = (SyncStatus.ACCEPTED, SyncStatus.DUPLICATE, SyncStatus.REJECTED)
CORRECTION_ANSWERS = (
    CorrectionStatus.APPLIED,
    CorrectionStatus.UNCHANGED,
    CorrectionStatus.REJECTED,
)
CORRECTION_REASON_MAX = 500  # the API's limit for a correction's reason


# -- errors ---------------------------------------------------------------------------------


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


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerTime:
    """Server time minus local time, with the uncertainty of the estimate in seconds."""

    offset: timedelta
    uncertainty_s: float
    observed_at: datetime


@dataclass(frozen=True, slots=True)
class Enrollment:
    device_id: str
    device_token: str
    municipality: str | None
    organisation: str | None


@dataclass(frozen=True, slots=True)
class ActivitiesPage:
    activities: list[dict[str, Any]]
    next_since: str


@dataclass(frozen=True, slots=True)
class JwksResult:
    """`document` is None when the server answered 304 Not Modified."""

    document: dict[str, Any] | None
    etag: str | None

    @property
    def not_modified(self) -> bool:
        return self.document is None


@dataclass(frozen=True, slots=True)
class RevocationsPage:
    jti: list[str]
    sub: list[str]
    next_cursor: str
    has_more: bool


@dataclass(frozen=True, slots=True)
class ItemResult:
    id: str
    status: SyncStatus  # one of CHECKIN_ANSWERS
    reason: str | None
    first_checkin_id: str | None


@dataclass(frozen=True, slots=True)
class CorrectionResult:
    id: str
    status: CorrectionStatus  # one of CORRECTION_ANSWERS
    reason: str | None


@dataclass(frozen=True, slots=True)
class Health:
    time: datetime
    version: str


def checkin_payload(
    *,
    checkin_id: str,
    activity_id: str,
    method: str,
    scanned_at: str,
    scanned_at_corrected: str | None,
    clock_trusted: bool,
    pass_token: str | None,
    registrant: str | None,
    tier: str | None,
) -> dict[str, Any]:
    """One item of `POST /v1/checkins:batch` (optional fields left out when unknown)."""
    item: dict[str, Any] = {
        "id": checkin_id,
        "activity_id": activity_id,
        "method": method,
        "scanned_at": scanned_at,
        "clock_trusted": clock_trusted,
    }
    if scanned_at_corrected:
        item["scanned_at_corrected"] = scanned_at_corrected
    if pass_token:
        item["pass"] = pass_token
    if registrant and _REGISTRANT.match(registrant):
        item["registrant"] = registrant
    if tier in ("basic", "premium"):
        item["tier"] = tier
    return item


def correction_payload(
    *, correction_id: str, checkin_id: str, action: str, reason: str, at: str
) -> dict[str, Any]:
    """One item of `POST /v1/checkins:corrections`."""
    return {
        "id": correction_id,
        "checkin_id": checkin_id,
        "action": action,
        "reason": reason[:CORRECTION_REASON_MAX],
        "at": at,
    }


# -- parsing helpers ------------------------------------------------------------------------


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


# -- the client -----------------------------------------------------------------------------

CallListener = Callable[[bool], object]


class ApiClient:
    """A synchronous client for one national API base URL. Thread-compatible, not shared.

    `on_call(ok)` is told after every call whether the server was reachable and healthy
    (False for transport failures, 5xx and 429), which drives the online/offline indicator.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], datetime] | None = None,
        on_call: CallListener | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._now = now or (lambda: datetime.now(UTC))
        self.on_call = on_call
        self.requests = 0
        self.server_time: ServerTime | None = None
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _notify(self, ok: bool) -> None:
        if self.on_call is not None:
            self.on_call(ok)

    def _observe_date(self, response: httpx.Response, sent: datetime, received: datetime) -> None:
        header = response.headers.get("date")
        if not header:
            return
        try:
            server = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return
        if server.tzinfo is None:
            server = server.replace(tzinfo=UTC)
        # The header has whole seconds: the server's time lies in [date, date + 1 s).
        midpoint = sent + (received - sent) / 2
        uncertainty = 0.5 + (received - sent).total_seconds() / 2
        estimate = ServerTime(server + timedelta(seconds=0.5) - midpoint, uncertainty, received)
        current = self.server_time
        if (
            current is None
            or estimate.uncertainty_s <= current.uncertainty_s
            or (received - current.observed_at).total_seconds() > SAMPLE_MAX_AGE_S
        ):
            self.server_time = estimate

    def _request(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: Sequence[int] = (200,),
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if auth:
            if not self.token:
                raise Unauthorized("this device has no device token; enroll it first", status=401)
            all_headers["Authorization"] = f"Bearer {self.token}"
        sent = self._now()
        self.requests += 1
        try:
            response = self._http.request(
                method, path, json=json, params=params, headers=all_headers
            )
        except httpx.TimeoutException as exc:
            self._notify(False)
            message = f"timeout after {self.timeout:g} s ({type(exc).__name__})"
            raise TransportFailure(message) from None
        except httpx.HTTPError as exc:
            self._notify(False)
            raise TransportFailure(sanitize(f"{type(exc).__name__}: {exc}".strip(), 300)) from None
        self._observe_date(response, sent, self._now())
        if response.status_code in ok:
            self._notify(True)
            return response
        error = error_for(response)
        self._notify(not error.retryable)  # a 401 or 4xx still proves the server is up
        raise error

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise ServerError("response is not JSON", status=response.status_code) from None
        if not isinstance(body, dict):
            raise ServerError("response is not a JSON object", status=response.status_code)
        return body

    # -- endpoints --------------------------------------------------------------------------

    def health(self) -> Health:
        """GET /v1/health; also the most precise clock-offset sample."""
        sent = self._now()
        response = self._request("GET", "/v1/health", auth=False)
        received = self._now()
        body = self._json(response)
        try:
            server = datetime.fromisoformat(str(body["time"]))
        except (KeyError, ValueError):
            raise ServerError("health response without a valid time") from None
        if server.tzinfo is not None:
            half = (received - sent) / 2
            self.server_time = ServerTime(server - (sent + half), half.total_seconds(), received)
        return Health(server, str(body.get("version", "")))

    def enroll(self, enrollment_token: str, name: str = "") -> Enrollment:
        """POST /v1/devices/enroll: a one-time enrollment token becomes a device token."""
        response = self._request(
            "POST",
            "/v1/devices/enroll",
            auth=False,
            json={"token": enrollment_token, "name": name[:100]},
            ok=(200, 201),
        )
        body = self._json(response)
        try:
            return Enrollment(
                device_id=str(body["device_id"]),
                device_token=str(body["device_token"]),
                municipality=body.get("municipality"),
                organisation=body.get("organisation"),
            )
        except KeyError as exc:
            raise ServerError(f"enrollment response without {exc}") from None

    def activities(self, *, since: str | None = None, day: date | None = None) -> ActivitiesPage:
        """GET /v1/activities?since=&date=: activities changed after the `since` cursor."""
        params: dict[str, str] = {}
        if since is not None:
            params["since"] = since
        if day is not None:
            params["date"] = day.isoformat()
        body = self._json(self._request("GET", "/v1/activities", params=params))
        items = body.get("activities", [])
        return ActivitiesPage(
            [a for a in items if isinstance(a, dict)] if isinstance(items, list) else [],
            str(body.get("next_since", since or "0")),
        )

    def jwks(self, *, etag: str | None = None) -> JwksResult:
        """GET /v1/trust/jwks with If-None-Match; `document` is None on 304."""
        headers = {"If-None-Match": etag} if etag else {}
        response = self._request(
            "GET", "/v1/trust/jwks", auth=False, headers=headers, ok=(200, 304)
        )
        new_etag = response.headers.get("etag")
        if response.status_code == 304:
            return JwksResult(None, new_etag or etag)
        return JwksResult(self._json(response), new_etag)

    def revocations(self, *, cursor: str | None = None) -> RevocationsPage:
        """GET /v1/revocations?cursor=: revoked jti/sub added after the cursor."""
        params = {"cursor": cursor} if cursor is not None else {}
        body = self._json(self._request("GET", "/v1/revocations", params=params))
        jti, sub = body.get("jti", []), body.get("sub", [])
        return RevocationsPage(
            [str(j) for j in jti] if isinstance(jti, list) else [],
            [str(s) for s in sub] if isinstance(sub, list) else [],
            str(body.get("next_cursor", cursor or "0")),
            bool(body.get("has_more", False)),
        )

    def upload_batch(
        self, items: Sequence[Mapping[str, Any]], idempotency_key: str
    ) -> list[ItemResult]:
        """POST /v1/checkins:batch: one result per item (accepted, duplicate or rejected)."""
        response = self._request(
            "POST",
            "/v1/checkins:batch",
            json={"checkins": list(items)},
            headers={"Idempotency-Key": idempotency_key},
        )
        results = self._json(response).get("results")
        if not isinstance(results, list):
            raise ServerError("batch response without results")
        parsed: list[ItemResult] = []
        for entry in results:
            if not isinstance(entry, dict) or entry.get("status") not in CHECKIN_ANSWERS:
                raise ServerError("batch response with a malformed result")
            parsed.append(
                ItemResult(
                    id=str(entry.get("id", "")).lower(),
                    status=SyncStatus(entry["status"]),
                    reason=entry.get("reason"),
                    first_checkin_id=entry.get("first_checkin_id"),
                )
            )
        return parsed

    def upload_corrections(
        self, items: Sequence[Mapping[str, Any]], idempotency_key: str
    ) -> list[CorrectionResult]:
        """POST /v1/checkins:corrections: one result per item (applied, unchanged, rejected)."""
        response = self._request(
            "POST",
            "/v1/checkins:corrections",
            json={"corrections": list(items)},
            headers={"Idempotency-Key": idempotency_key},
        )
        results = self._json(response).get("results")
        if not isinstance(results, list):
            raise ServerError("corrections response without results")
        parsed: list[CorrectionResult] = []
        for entry in results:
            if not isinstance(entry, dict) or entry.get("status") not in CORRECTION_ANSWERS:
                raise ServerError("corrections response with a malformed result")
            reason = entry.get("reason")
            parsed.append(
                CorrectionResult(
                    id=str(entry.get("id", "")).lower(),
                    status=CorrectionStatus(entry["status"]),
                    reason=sanitize(reason, 64) if isinstance(reason, str) else None,
                )
            )
        return parsed

    def closeout(
        self, *, activity_id: str, day: date, device_count: int, digest: str
    ) -> dict[str, Any]:
        """POST /v1/closeouts: a day's close-out for an activity; returns the receipt."""
        response = self._request(
            "POST",
            "/v1/closeouts",
            json={
                "activity_id": activity_id,
                "date": day.isoformat(),
                "device_count": device_count,
                "digest": digest,
            },
            ok=(200, 201),
        )
        return self._json(response)
