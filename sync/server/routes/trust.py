"""GET /v1/trust/statement: the anchor-signed trust statement (pass keys + revocations)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from sync.server.codes import utc_now
from sync.server.deps import context, current_device
from sync.server.routes import docs
from sync.server.routes.common import ETAG_HEADER, problems
from sync.server.tables import Device
from sync.server.trust_statement import STATEMENT_MEDIA_TYPE, current_statement, statement_etag

router = APIRouter(tags=["pull"])
_ATTEMPTS = 3


def _token(request: Request) -> str:
    ctx = context(request)
    for attempt in range(_ATTEMPTS):
        try:
            with ctx.write_lock, Session(ctx.engine) as s:
                return current_statement(s, ctx.settings, utc_now()).token
        except IntegrityError:  # another process issued this sequence number first
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@router.get(
    "/v1/trust/statement",
    response_class=Response,
    responses=problems(
        401,
        422,
        extra={
            200: {
                "description": "The current trust statement (compact JWS).",
                "headers": ETAG_HEADER,
                "content": {
                    STATEMENT_MEDIA_TYPE: {
                        "schema": {
                            "type": "string",
                            "description": "Compact JWS; payload is a TrustStatementPayload.",
                        }
                    }
                },
            },
            304: {
                "description": "Not modified; the statement with this ETag is still current.",
                "headers": ETAG_HEADER,
            },
        },
    ),
    operation_id="getTrustStatement",
    summary="The trust statement - pass keys and revocations, signed by the national trust anchor.",
    description=docs.TRUST_STATEMENT,
)
def trust_statement(
    request: Request,
    _device: Annotated[Device, Depends(current_device)],
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    token = _token(request)
    etag = statement_etag(token)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match is not None:
        candidates = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if etag in candidates or "*" in candidates:
            return Response(status_code=304, headers=headers)
    return Response(token, media_type=STATEMENT_MEDIA_TYPE, headers=headers)
