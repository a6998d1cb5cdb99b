"""Idempotency for POST /v1/checkins:batch and :corrections: one transaction per request,
the response stored per (device, Idempotency-Key) and replayed for a retry with the same body."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from sync.server.codes import utc_now
from sync.server.corrections import CorrectionDecider
from sync.server.decide import BatchDecider
from sync.server.deps import ServerContext
from sync.server.problems import ProblemError
from sync.server.schemas import CheckinBatch, CorrectionBatch
from sync.server.tables import Device, IdempotentResponse

__all__ = ["process_batch", "process_corrections", "request_hash"]
_ATTEMPTS = 3
Decide = Callable[[Session, datetime], dict[str, Any]]


def request_hash(body: BaseModel) -> str:
    """SHA-256 of the canonical JSON of a request body (its top-level member names the
    endpoint, so one key reused across the two endpoints is a different body too)."""
    canonical = json.dumps(
        body.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _process(ctx: ServerContext, device: Device, key: str, digest: str, decide: Decide) -> str:
    with Session(ctx.engine) as session:
        stored = session.get(IdempotentResponse, (device.id, key))
        if stored is not None:
            if stored.request_hash != digest:
                raise ProblemError(
                    422,
                    "idempotency-key-reused",
                    "this Idempotency-Key was used with a different request body",
                )
            return stored.body
        now = utc_now()
        body = json.dumps(decide(session, now), separators=(",", ":"))
        session.add(
            IdempotentResponse(
                device_id=device.id,
                key=key,
                request_hash=digest,
                status_code=200,
                body=body,
                created_at=now,
            )
        )
        session.commit()
        return body


def _idempotent(ctx: ServerContext, device: Device, key: str, digest: str, decide: Decide) -> str:
    """Decide in one transaction and store the response under the key; JSON text."""
    for attempt in range(_ATTEMPTS):
        try:
            with ctx.write_lock:
                return _process(ctx, device, key, digest, decide)
        except (IntegrityError, OperationalError):  # another process wrote first: decide again
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def process_batch(ctx: ServerContext, device: Device, key: str, batch: CheckinBatch) -> str:
    """Decide a batch of check-ins; the stored (or replayed) response as JSON text."""

    def decide(session: Session, now: datetime) -> dict[str, Any]:
        decider = BatchDecider(session, device, batch.checkins, ctx.rules)
        results = decider.decide_all(batch.checkins, now)
        return {"results": results}

    return _idempotent(ctx, device, key, request_hash(batch), decide)


def process_corrections(
    ctx: ServerContext, device: Device, key: str, batch: CorrectionBatch
) -> str:
    """Apply a batch of corrections in order; the stored (or replayed) response as JSON text."""

    def decide(session: Session, now: datetime) -> dict[str, Any]:
        return {"results": CorrectionDecider(session, device).apply_all(batch.corrections, now)}

    return _idempotent(ctx, device, key, request_hash(batch), decide)
