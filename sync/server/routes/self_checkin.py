"""GET /v1/activity-code-keys (kiosks) and POST /v1/checkins:self (the registrant app)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from sync.server.activity_codes import code_keys, venue_day
from sync.server.codes import utc_now
from sync.server.deps import context, current_device
from sync.server.routes import docs
from sync.server.routes.common import problems
from sync.server.schemas import IsoDate
from sync.server.schemas_app import (
    ActivityCodeKeyOut,
    ActivityCodeKeysResponse,
    SelfCheckinRequest,
    SelfCheckinResponse,
)
from sync.server.self_checkin import self_checkin
from sync.server.tables import Device

router = APIRouter()


@router.get(
    "/v1/activity-code-keys",
    response_model=ActivityCodeKeysResponse,
    responses=problems(401, 422),
    operation_id="getActivityCodeKeys",
    tags=["pull"],
    summary="Delegated keys that sign this device's activity codes, per activity and day.",
    description=docs.ACTIVITY_CODE_KEYS,
    response_description="The keys, with the server's window length and allowed skew.",
)
def activity_code_keys(
    request: Request,
    response: Response,
    device: Annotated[Device, Depends(current_device)],
    first: Annotated[
        IsoDate | None,
        Query(alias="from", description="The first day; default today in Japan."),
    ] = None,
    days: Annotated[int, Query(ge=1, le=14, description="How many days from the first.")] = 2,
) -> ActivityCodeKeysResponse:
    ctx = context(request)
    start = first if first is not None else venue_day(utc_now())
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
    tags=["checkins"],
    summary="The registrant app's self check-in - a pass plus the activity code scanned at "
    "the venue.",
    description=docs.SELF_CHECKIN,
    response_description="The decision.",
    openapi_extra={"security": []},
)
def checkin_self(request: Request, req: SelfCheckinRequest) -> SelfCheckinResponse:
    body = self_checkin(context(request), req.pass_, req.code, utc_now())
    return SelfCheckinResponse.model_validate(body)
