"""POST /v1/devices/enroll: a one-time enrollment token becomes a device token."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import update
from sqlmodel import Session, col

from sync.server.admin import hash_secret
from sync.server.codes import utc_now
from sync.server.deps import context, session
from sync.server.problems import ProblemError
from sync.server.routes import docs
from sync.server.routes.common import problems
from sync.server.schemas import EnrollRequest, EnrollResponse
from sync.server.tables import Device, EnrollmentToken

router = APIRouter(tags=["devices"])


@router.post(
    "/v1/devices/enroll",
    status_code=201,
    response_model=EnrollResponse,
    responses=problems(
        422,
        extra={
            403: "Enrollment token unknown or expired (`invalid-enrollment-token`).",
            409: "Enrollment token already used (`enrollment-token-used`).",
        },
    ),
    operation_id="enrollDevice",
    response_description="Enrolled.",
    summary="Exchange a one-time enrollment token for a device id and device token.",
    description=docs.ENROLL,
    openapi_extra={"security": []},
)
def enroll(
    request: Request, req: EnrollRequest, s: Annotated[Session, Depends(session)]
) -> EnrollResponse:
    with context(request).write_lock:  # one writer at a time (SQLite WAL snapshots)
        return _enroll(req, s)


def _enroll(req: EnrollRequest, s: Session) -> EnrollResponse:
    token_hash = hash_secret(req.token)
    token = s.get(EnrollmentToken, token_hash)
    now = utc_now()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        raise ProblemError(403, "invalid-enrollment-token", "enrollment token unknown or expired")
    device_id = "dev-" + secrets.token_hex(8)
    # Consume atomically: only one request can flip used_at from NULL.
    claimed = s.execute(
        update(EnrollmentToken)
        .where(col(EnrollmentToken.token_hash) == token_hash)
        .where(col(EnrollmentToken.used_at).is_(None))
        .values(used_at=now, device_id=device_id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        s.rollback()
        raise ProblemError(409, "enrollment-token-used", "enrollment token was already used")
    device_token = "fkd_" + secrets.token_urlsafe(32)
    device = Device(
        id=device_id,
        token_hash=hash_secret(device_token),
        name=req.name,
        municipality=token.municipality,
        organisation=token.organisation,
        enrolled_at=now,
    )
    s.add(device)
    s.commit()
    return EnrollResponse(
        device_id=device_id,
        device_token=device_token,
        municipality=device.municipality,
        organisation=device.organisation,
        enrolled_at=now,
    )
