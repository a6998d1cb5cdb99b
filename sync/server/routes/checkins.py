"""POST /v1/checkins:batch, POST /v1/checkins:corrections and POST /v1/closeouts."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from sync.server.activity_totals import record_closeout_totals
from sync.server.closeouts import close_out, receipt_of
from sync.server.deps import context, current_device, session
from sync.server.idempotency import process_batch, process_corrections
from sync.server.problems import ProblemError
from sync.server.routes import docs
from sync.server.routes.common import problems
from sync.server.schemas import (
    CheckinBatch,
    CheckinBatchResponse,
    CloseoutRequest,
    CorrectionBatch,
    CorrectionBatchResponse,
    Receipt,
)
from sync.server.tables import Device

router = APIRouter(tags=["checkins"])
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7E]{1,255}$"
IDEMPOTENCY_KEY_RE = re.compile(IDEMPOTENCY_KEY_PATTERN)
_BAD_KEY = (
    "Idempotency-Key missing (`idempotency-key-missing`) or malformed (`idempotency-key-invalid`)."
)
# Read by the handler itself (a missing key is a 400 problem, not a 422), so declared here.
IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": True,
    "description": "1–255 visible ASCII characters; missing or malformed is `400`.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": IDEMPOTENCY_KEY_PATTERN,
    },
}


def checked_key(idempotency_key: str | None) -> str:
    """The Idempotency-Key header, or a 400 problem when it is missing or malformed."""
    if idempotency_key is None:
        raise ProblemError(400, "idempotency-key-missing", "the Idempotency-Key header is required")
    if IDEMPOTENCY_KEY_RE.fullmatch(idempotency_key) is None:
        raise ProblemError(
            400, "idempotency-key-invalid", "Idempotency-Key must be 1-255 visible ASCII characters"
        )
    return idempotency_key


@router.post(
    "/v1/checkins:batch",
    response_model=CheckinBatchResponse,
    responses=problems(401, 422, extra={400: _BAD_KEY}),
    operation_id="uploadCheckins",
    response_description="One result per item, in the order of the request.",
    summary="Upload up to 500 check-ins; one result per item, in request order.",
    description=docs.UPLOAD_CHECKINS,
    openapi_extra={"parameters": [IDEMPOTENCY_PARAMETER]},
)
def checkins_batch(
    request: Request, batch: CheckinBatch, device: Annotated[Device, Depends(current_device)]
) -> Response:
    key = checked_key(request.headers.get(IDEMPOTENCY_HEADER))
    body = process_batch(context(request), device, key, batch)
    return Response(body, media_type="application/json")


@router.post(
    "/v1/checkins:corrections",
    response_model=CorrectionBatchResponse,
    responses=problems(401, 422, extra={400: _BAD_KEY}),
    operation_id="correctCheckins",
    response_description="One result per item, in the order of the request.",
    summary="Void or restore this device's uploaded check-ins; one result per item, in order.",
    description=docs.CORRECT_CHECKINS,
    openapi_extra={"parameters": [IDEMPOTENCY_PARAMETER]},
)
def checkins_corrections(
    request: Request, batch: CorrectionBatch, device: Annotated[Device, Depends(current_device)]
) -> Response:
    key = checked_key(request.headers.get(IDEMPOTENCY_HEADER))
    body = process_corrections(context(request), device, key, batch)
    return Response(body, media_type="application/json")


@router.post(
    "/v1/closeouts",
    status_code=201,
    response_model=Receipt,
    responses=problems(
        401, 422, extra={404: "No such activity for this device (`unknown-activity`)."}
    ),
    operation_id="closeOut",
    response_description="The receipt.",
    summary="Close out a day at an activity; the server compares digests and returns a receipt.",
    description=docs.CLOSE_OUT,
)
def closeouts(
    request: Request,
    req: CloseoutRequest,
    device: Annotated[Device, Depends(current_device)],
    s: Annotated[Session, Depends(session)],
) -> Receipt:
    with context(request).write_lock:
        receipt = receipt_of(close_out(s, device, req))
        totals = record_closeout_totals(s, receipt.receipt_id, receipt.activity_id)
    return receipt.model_copy(
        update={
            "app_count": totals.app,
            "by_method": totals.by_method,
            "activity_digest": totals.digest,
        }
    )
