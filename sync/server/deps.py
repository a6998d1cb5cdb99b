"""Request-scoped dependencies: the settings, a database session and the calling device."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Header, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sync.server.admin import hash_secret
from sync.server.codes import utc_now
from sync.server.contact import PENDING_HEADER, PENDING_PATTERN, ContactRecorder
from sync.server.problems import ProblemError
from sync.server.rules import ScanRules
from sync.server.settings import NationalSettings
from sync.server.tables import Device


@dataclass
class ServerContext:
    """Everything the routes share; one per app instance (no module-level state)."""

    engine: Engine
    admin_token: str | None = None
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    rules: ScanRules = field(default_factory=ScanRules)
    contacts: ContactRecorder = field(default_factory=ContactRecorder)
    settings: NationalSettings = field(default_factory=NationalSettings)


def context(request: Request) -> ServerContext:
    ctx = request.app.state.ctx
    assert isinstance(ctx, ServerContext)
    return ctx


def session(request: Request) -> Iterator[Session]:
    with Session(context(request).engine) as s:
        yield s


def bearer_token(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


# Declared as digits, not an integer: a header is text on the wire (and generic tools that
# re-read it as JSON would see a string where an integer is documented).
PendingUploads = Annotated[
    str | None,
    Header(
        alias=PENDING_HEADER,
        pattern=PENDING_PATTERN,
        description="Check-ins and corrections this device still holds for upload (over all "
        "activities), 0 to 9999999; see `GET /v1/activities/{activity_id}/devices`.",
    ),
]


def current_device(request: Request, pending: PendingUploads = None) -> Device:
    """The enrolled device behind the bearer token; 401 problem otherwise (re-enroll).
    Every authenticated call counts as the device's last contact (sync/server/contact.py)."""
    token = bearer_token(request)
    if token is None:
        raise ProblemError(401, "missing-token", "a device bearer token is required")
    ctx = context(request)
    with Session(ctx.engine) as s:
        device = s.exec(select(Device).where(col(Device.token_hash) == hash_secret(token))).first()
    if device is None or device.disabled:
        raise ProblemError(401, "invalid-token", "device token unknown or revoked; re-enroll")
    declared = int(pending) if pending is not None else None
    ctx.contacts.record(ctx.engine, device.id, declared, utc_now())
    return device


def require_admin(request: Request) -> None:
    expected = context(request).admin_token
    if expected is None:
        raise ProblemError(404, "not-found", "admin interface disabled")
    token = bearer_token(request)
    if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
        raise ProblemError(401, "invalid-admin-token", "admin token required")
