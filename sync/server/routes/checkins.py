"""POST /v1/checkins:batch, POST /v1/checkins:corrections and POST /v1/closeouts."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from sqlmodel import Session

from sync.server.activity_totals import record_closeout_totals
from sync.server.closeouts import close_out
from sync.server.deps import context, current_device, session
from sync.server.idempotency import process_batch, process_corrections
from sync.server.problems import ProblemError
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

router = APIRouter()
IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")


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
    responses=problems(400, 401, 422),
    operation_id="uploadCheckins",
)
def checkins_batch(
    request: Request,
    batch: CheckinBatch,
    device: Annotated[Device, Depends(current_device)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    key = checked_key(idempotency_key)
    body = process_batch(context(request), device, key, batch)
    return Response(body, media_type="application/json")


@router.post(
    "/v1/checkins:corrections",
    response_model=CorrectionBatchResponse,
    responses=problems(400, 401, 422),
    operation_id="correctCheckins",
)
def checkins_corrections(
    request: Request,
    batch: CorrectionBatch,
    device: Annotated[Device, Depends(current_device)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    key = checked_key(idempotency_key)
    body = process_corrections(context(request), device, key, batch)
    return Response(body, media_type="application/json")


@router.post(
    "/v1/closeouts",
    status_code=201,
    response_model=Receipt,
    responses=problems(401, 404, 422),
    operation_id="closeOut",
)
def closeouts(
    request: Request,
    req: CloseoutRequest,
    device: Annotated[Device, Depends(current_device)],
    s: Annotated[Session, Depends(session)],
) -> Receipt:
    with context(request).write_lock:
        receipt = Receipt.model_validate(close_out(s, device, req), from_attributes=True)
        totals = record_closeout_totals(s, receipt.receipt_id, receipt.activity_id)
    return receipt.model_copy(
        update={
            "app_count": totals.app,
            "by_method": totals.by_method,
            "activity_digest": totals.digest,
        }
    )
