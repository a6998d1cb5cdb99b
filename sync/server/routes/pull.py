"""What a device pulls: activities (since cursor), trust list (ETag), revocations (cursor)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session, col, select

from sync.server.deps import current_device, session
from sync.server.keys import jwks, jwks_etag
from sync.server.routes import docs
from sync.server.routes.common import ETAG_HEADER, problems
from sync.server.schemas import (
    CURSOR_PATTERN,
    ActivitiesResponse,
    ActivityOut,
    IsoDate,
    JwksResponse,
    RevocationsResponse,
)
from sync.server.tables import Activity, Device, Revocation

router = APIRouter(tags=["pull"])
PAGE = 1000
JWK_SET_MEDIA_TYPE = "application/jwk-set+json"


class JwkSetResponse(JSONResponse):
    media_type = JWK_SET_MEDIA_TYPE


@router.get(
    "/v1/activities",
    response_model=ActivitiesResponse,
    responses=problems(401, 422),
    operation_id="listActivities",
    response_description="Activities in revision order.",
    summary="Activities run by this device's municipality or organisation.",
    description=docs.ACTIVITIES,
)
def activities(
    device: Annotated[Device, Depends(current_device)],
    s: Annotated[Session, Depends(session)],
    day: Annotated[
        IsoDate | None, Query(alias="date", description="Only activities on this day.")
    ] = None,
    since: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="The `next_since` of a previous response."),
    ] = None,
) -> ActivitiesResponse:
    query = select(Activity).order_by(col(Activity.revision)).limit(PAGE)
    if device.organisation is not None:
        query = query.where(col(Activity.organisation) == device.organisation)
    else:
        query = query.where(col(Activity.municipality) == device.municipality)
    if day is not None:
        query = query.where(col(Activity.date) == day)
    if since is not None:
        query = query.where(col(Activity.revision) > int(since))
    rows = s.exec(query).all()
    next_since = str(rows[-1].revision) if rows else (since or "0")
    return ActivitiesResponse(
        activities=[ActivityOut.model_validate(r, from_attributes=True) for r in rows],
        next_since=next_since,
    )


@router.get(
    "/v1/trust/jwks",
    response_model=JwksResponse,
    response_class=JwkSetResponse,
    responses=problems(
        422,
        extra={
            200: {"description": "The key set.", "headers": ETAG_HEADER},
            304: {
                "description": "Not modified; the key set with this ETag is still current.",
                "headers": ETAG_HEADER,
            },
        },
    ),
    operation_id="getJwks",
    summary="The current pass-signing keys (JWKS, RFC 7517; OKP / Ed25519 with `kid`).",
    description=docs.JWKS,
    openapi_extra={"security": []},
)
def trust_jwks(
    s: Annotated[Session, Depends(session)],
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
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
        media_type=JWK_SET_MEDIA_TYPE,
        headers=headers,
    )


@router.get(
    "/v1/revocations",
    response_model=RevocationsResponse,
    responses=problems(401, 422),
    operation_id="listRevocations",
    response_description="Revocations after the cursor.",
    summary="Revoked pass ids (`jti`) and registrant ids (`sub`), incrementally.",
    description=docs.REVOCATIONS,
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
