"""A national API impostor on 127.0.0.1: real HTTP, whatever the test makes it say.

It answers the paths a kiosk pulls (health, activities, the trust statement, the unsigned JWKS
and revocations, activity code keys) with what the test set, and takes every uploaded
check-in as `accepted`, so trust tests can serve a kiosk
statements signed by the wrong key, rolled back, expired or emptied, and a hostile server can
serve an unsigned trust list that names a forged key. Every request is recorded.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class FakeNationalApi:
    """What the impostor serves; change the fields between sync passes."""

    statement: str | None = None  # compact JWS served at /v1/trust/statement (None: 404)
    jwks: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    revoked_jti: list[str] = field(default_factory=list)
    revoked_sub: list[str] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    code_keys: dict[str, Any] = field(
        default_factory=lambda: {"window_seconds": 60, "skew_seconds": 15, "keys": []}
    )
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, str, bytes, dict[str, str]]:
        """(status, content type, body, extra headers) for a GET."""
        self.requests.append(path)
        if path == "/v1/health":
            health = {"status": "ok", "time": datetime.now(UTC).isoformat(), "version": "fake"}
            return 200, "application/json", json.dumps(health).encode(), {}
        if path == "/v1/activities":
            page = {"activities": self.activities, "next_since": "1"}
            return 200, "application/json", json.dumps(page).encode(), {}
        if path == "/v1/trust/statement":
            if self.statement is None:
                return 404, "application/problem+json", b'{"title": "not found"}', {}
            etag = '"' + hashlib.sha256(self.statement.encode()).hexdigest()[:32] + '"'
            if headers.get("if-none-match") == etag:
                return 304, "application/jose", b"", {"ETag": etag}
            return 200, "application/jose", self.statement.encode(), {"ETag": etag}
        if path == "/v1/trust/jwks":
            return 200, "application/json", json.dumps(self.jwks).encode(), {}
        if path == "/v1/revocations":
            revoked: dict[str, Any] = {
                "jti": self.revoked_jti,
                "sub": self.revoked_sub,
                "next_cursor": "9",
                "has_more": False,
            }
            return 200, "application/json", json.dumps(revoked).encode(), {}
        if path == "/v1/activity-code-keys":
            return 200, "application/json", json.dumps(self.code_keys).encode(), {}
        return 404, "application/problem+json", b'{"title": "not found"}', {}

    def take(self, path: str, body: bytes) -> tuple[int, bytes]:
        """A POST: every check-in of a batch accepted; anything else 404."""
        self.requests.append(path)
        if path != "/v1/checkins:batch":
            return 404, b'{"title": "not found"}'
        items = json.loads(body).get("checkins", [])
        results = [{"id": i["id"], "status": "accepted", "reason": None} for i in items]
        return 200, json.dumps({"results": results}).encode()


def _handler(api: FakeNationalApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, body = api.take(urlsplit(self.path).path, self.rfile.read(length))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, content_type, body, extra = api.answer(urlsplit(self.path).path, headers)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: the requests are recorded on the api object."""

    return Handler


@contextmanager
def serve_fake_api(api: FakeNationalApi) -> Iterator[FakeNationalApi]:
    """Serve `api` on 127.0.0.1 (a free port) until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-national-api", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    api.url = f"http://{host!s}:{port}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
