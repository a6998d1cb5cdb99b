"""What a device pulls: activities (since cursor), trust list (ETag), revocations (cursor)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from sqlmodel import Session, col, select

from sync.server.deps import current_device, session
from sync.server.keys import jwks, jwks_etag
from sync.server.problems import ProblemError
from sync.server.routes.common import problems
from sync.server.schemas import (
    CURSOR_PATTERN,
    ActivitiesResponse,
    ActivityOut,
    JwksResponse,
    RevocationsResponse,
    parse_iso_date,
)
from sync.server.tables import Activity, Device, Revocation

router = APIRouter()
PAGE = 1000


@router.get(
    "/v1/activities",
    response_model=ActivitiesResponse,
    responses=problems(401, 422),
    operation_id="listActivities",
)
def activities(
    device: Annotated[Device, Depends(current_device)],
    s: Annotated[Session, Depends(session)],
    day: Annotated[str | None, Query(alias="date")] = None,
    since: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> ActivitiesResponse:
    query = select(Activity).order_by(col(Activity.revision)).limit(PAGE)
    if device.organisation is not None:
        query = query.where(col(Activity.organisation) == device.organisation)
    else:
        query = query.where(col(Activity.municipality) == device.municipality)
    if day is not None:
        query = query.where(col(Activity.date) == _parse_day(day))
    if since is not None:
        query = query.where(col(Activity.revision) > int(since))
    rows = s.exec(query).all()
    next_since = str(rows[-1].revision) if rows else (since or "0")
    return ActivitiesResponse(
        activities=[ActivityOut.model_validate(r, from_attributes=True) for r in rows],
        next_since=next_since,
    )


def _parse_day(value: str) -> date:
    try:
        return parse_iso_date(value)
    except ValueError:
        raise ProblemError(422, "validation-failed", "date must be YYYY-MM-DD") from None


@router.get(
    "/v1/trust/jwks",
    response_model=JwksResponse,
    responses=problems(422, extra={304: {"description": "Not modified (If-None-Match matched)"}}),
    operation_id="getJwks",
)
def trust_jwks(
    s: Annotated[Session, Depends(session)],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    document = jwks(s)
    etag = jwks_etag(document)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match is not None:
        candidates = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if etag in candidates or "*" in candidates:
            return Response(status_code=304, headers=headers)
    return Response(
        json.dumps(document, separators=(",", ":")),
        media_type="application/jwk-set+json",
        headers=headers,
    )


@router.get(
    "/v1/revocations",
    response_model=RevocationsResponse,
    responses=problems(401, 422),
    operation_id="listRevocations",
)
def revocations(
    _device: Annotated[Device, Depends(current_device)],
    s: Annotated[Session, Depends(session)],
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> RevocationsResponse:
    after = int(cursor) if cursor is not None else 0
    rows = s.exec(
        select(Revocation)
        .where(col(Revocation.seq) > after)
        .order_by(col(Revocation.seq))
        .limit(PAGE + 1)
    ).all()
    page = rows[:PAGE]
    last = page[-1].seq if page else None
    return RevocationsResponse(
        jti=[r.value for r in page if r.kind == "jti"],
        sub=[r.value for r in page if r.kind == "sub"],
        next_cursor=str(last) if last is not None else str(after),
        has_more=len(rows) > PAGE,
    )
