"""HTTP client for the national API (architecture §4).

Every request has a timeout; errors come back as typed exceptions (`sync.api_errors`) parsed
from RFC 9457 ``application/problem+json`` bodies; every response's ``Date`` header (and the
health endpoint's precise ``time``) gives the device its clock offset.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from kiosk.national import GateStatus, gate_statuses
from kiosk.text import sanitize
from kiosk.trust import MAX_STATEMENT_LENGTH
from sync.answers import (
    CHECKIN_ANSWERS,
    CORRECTION_ANSWERS,
    CorrectionResult,
    ItemResult,
    checkin_results,
    correction_results,
)
from sync.api_errors import (
    ServerError,
    TransportFailure,
    Unauthorized,
    error_for,
)

__all__ = [
    "CHECKIN_ANSWERS",
    "CORRECTION_ANSWERS",
    "ActivitiesPage",
    "ApiClient",
    "CorrectionResult",
    "Enrollment",
    "Health",
    "ItemResult",
    "RevocationsPage",
    "ServerTime",
    "StatementResult",
]

USER_AGENT = "furusato-kiosk/0.1"
STATEMENT_MEDIA_TYPE = "application/jose"
SAMPLE_MAX_AGE_S = 300.0  # a precise clock sample older than this yields to a Date header
PENDING_HEADER = "Pending-Uploads"
PENDING_MAX = 9_999_999  # the header is 1-7 digits


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
class StatementResult:
    """`token` (the compact JWS, unverified) is None when the server answered 304."""

    token: str | None
    etag: str | None


@dataclass(frozen=True, slots=True)
class RevocationsPage:
    jti: list[str]
    sub: list[str]
    next_cursor: str
    has_more: bool


@dataclass(frozen=True, slots=True)
class Health:
    time: datetime
    version: str


# -- the client -----------------------------------------------------------------------------

CallListener = Callable[[bool], object]
PendingCount = Callable[[], int]


class ApiClient:
    """A synchronous client for one national API base URL. Thread-compatible, not shared.

    `on_call(ok)` is told after every call whether the server was reachable and healthy
    (False for transport failures, 5xx and 429), which drives the online/offline indicator.
    `pending()` is asked before every device-authenticated call: what this device still holds
    for upload (check-ins and corrections not yet answered), sent as ``Pending-Uploads`` so
    the server can tell a closing gate which other gates have not synced.
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
        pending: PendingCount | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._now = now or (lambda: datetime.now(UTC))
        self.on_call = on_call
        self.pending = pending
        self.declared: int | None = None  # the last Pending-Uploads a response came back for
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
        declaring: int | None = None
        if auth and self.pending is not None:
            declaring = min(max(self.pending(), 0), PENDING_MAX)
            all_headers[PENDING_HEADER] = str(declaring)
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
        if declaring is not None:
            self.declared = declaring
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

    def trust_statement(self, *, etag: str | None = None) -> StatementResult:
        """GET /v1/trust/statement with If-None-Match: the anchor-signed trust statement, as
        text; verifying it is the caller's job (`kiosk.trust_keeper.TrustKeeper.offer`)."""
        headers = {"Accept": STATEMENT_MEDIA_TYPE}
        if etag:
            headers["If-None-Match"] = etag
        response = self._request("GET", "/v1/trust/statement", headers=headers, ok=(200, 304))
        new_etag = response.headers.get("etag")
        if response.status_code == 304:
            return StatementResult(None, new_etag or etag)
        if len(response.content) > MAX_STATEMENT_LENGTH:
            raise ServerError("trust statement too large", status=response.status_code)
        try:
            token = response.content.decode("ascii").strip()
        except UnicodeDecodeError:
            raise ServerError("trust statement is not ASCII", status=response.status_code) from None
        return StatementResult(token, new_etag)

    def activity_code_keys(self, *, first: date | None = None, days: int = 2) -> dict[str, Any]:
        """GET /v1/activity-code-keys: this device's code-signing keys from `first` (the server's
        today when None) for `days` days. The answer holds secrets: never log it."""
        params = {"days": str(days)}
        if first is not None:
            params["from"] = first.isoformat()
        return self._json(self._request("GET", "/v1/activity-code-keys", params=params))

    def activity_counts(self, activity_id: str) -> dict[str, Any]:
        """GET /v1/activities/{id}/counts: live check-ins at the activity, gate and app."""
        path = "/v1/activities/" + quote(activity_id, safe="") + "/counts"
        return self._json(self._request("GET", path))

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
        """POST /v1/checkins:batch: one result per item (accepted, duplicate or rejected,
        whether it counts, and a duplicate's first check-in; `sync.answers`)."""
        response = self._request(
            "POST",
            "/v1/checkins:batch",
            json={"checkins": list(items)},
            headers={"Idempotency-Key": idempotency_key},
        )
        return checkin_results(self._json(response))

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
        return correction_results(self._json(response))

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

    def activity_devices(self, activity_id: str) -> list[GateStatus]:
        """GET /v1/activities/{id}/devices: each device of the activity, when it was last heard
        from and what it last declared waiting for upload (malformed entries are skipped)."""
        path = "/v1/activities/" + quote(activity_id, safe="") + "/devices"
        body = self._json(self._request("GET", path))
        return gate_statuses(body.get("devices"))
