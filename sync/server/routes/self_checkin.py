"""GET /v1/activity-code-keys (kiosks) and POST /v1/checkins:self (the registrant app)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from sync.server.activity_codes import code_keys, venue_day
from sync.server.codes import utc_now
from sync.server.deps import context, current_device
from sync.server.problems import ProblemError
from sync.server.routes.common import problems
from sync.server.schemas import parse_iso_date
from sync.server.schemas_app import (
    ActivityCodeKeyOut,
    ActivityCodeKeysResponse,
    SelfCheckinRequest,
    SelfCheckinResponse,
)
from sync.server.self_checkin import self_checkin
from sync.server.tables import Device

router = APIRouter()


def _first_day(value: str | None) -> date:
    if value is None:
        return venue_day(utc_now())
    try:
        return parse_iso_date(value)
    except ValueError:
        raise ProblemError(422, "validation-failed", "from must be YYYY-MM-DD") from None


@router.get(
    "/v1/activity-code-keys",
    response_model=ActivityCodeKeysResponse,
    responses=problems(401, 422),
    operation_id="getActivityCodeKeys",
)
def activity_code_keys(
    request: Request,
    response: Response,
    device: Annotated[Device, Depends(current_device)],
    first: Annotated[str | None, Query(alias="from")] = None,
    days: Annotated[int, Query(ge=1, le=14)] = 2,
) -> ActivityCodeKeysResponse:
    ctx = context(request)
    start = _first_day(first)
    response.headers["Cache-Control"] = "no-store"  # the seeds are secrets
    with ctx.write_lock, Session(ctx.engine) as s:  # the first call creates the master secret
        entries = code_keys(s, device, start, days, ctx.settings, utc_now())
    return ActivityCodeKeysResponse(
        window_seconds=ctx.settings.code_window_seconds,
        skew_seconds=ctx.settings.code_skew_seconds,
        keys=[ActivityCodeKeyOut.model_validate(e) for e in entries],
    )


@router.post(
    "/v1/checkins:self",
    response_model=SelfCheckinResponse,
    responses=problems(422),
    operation_id="selfCheckin",
    openapi_extra={"security": []},
)
def checkin_self(request: Request, req: SelfCheckinRequest) -> SelfCheckinResponse:
    body = self_checkin(context(request), req.pass_, req.code, utc_now())
    return SelfCheckinResponse.model_validate(body)
