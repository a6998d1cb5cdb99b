"""POST /v1/checkins:batch: one transaction per batch, response stored per Idempotency-Key."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from sync.server.codes import utc_now
from sync.server.decide import BatchDecider
from sync.server.deps import ServerContext
from sync.server.models import Device, IdempotentResponse
from sync.server.problems import ProblemError
from sync.server.schemas import CheckinBatch

__all__ = ["process_batch", "request_hash"]
_ATTEMPTS = 3


def request_hash(batch: CheckinBatch) -> str:
    canonical = json.dumps(
        batch.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _process(ctx: ServerContext, device: Device, key: str, batch: CheckinBatch) -> str:
    digest = request_hash(batch)
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
        results = BatchDecider(session, device, batch.checkins).decide_all(batch.checkins, now)
        body = json.dumps({"results": results}, separators=(",", ":"))
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


def process_batch(ctx: ServerContext, device: Device, key: str, batch: CheckinBatch) -> str:
    """Decide a batch in one transaction and store the response under the key; JSON text."""
    for attempt in range(_ATTEMPTS):
        try:
            with ctx.write_lock:
                return _process(ctx, device, key, batch)
        except (IntegrityError, OperationalError):  # another process wrote first: decide again
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
