"""Close-out of a day at an activity: compare the device's digest with the server's records,
and state what the server confirms next to what the device sent.

The digest and `server_count` cover live check-ins only (accepted, not voided), as recorded.
`counted_count` is the part of those that counts toward premium (evidenced, see
sync/server/participation.py); `received_count` splits into accepted, `duplicate_count`,
`rejected_count` (with `rejected_reasons`). `unsynced_devices` names the other devices of the
activity that last declared uploads waiting.

A correction that arrives after a close-out is still applied (the device made it before it
closed the day; it may simply have reached the server later): the stored receipt stays as it
was, and the device closes out again to get a receipt for the corrected state."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from sync.server.codes import utc_now
from sync.server.decide import activity_visible
from sync.server.device_status import activity_devices
from sync.server.participation import counts_clause, live_clause
from sync.server.problems import ProblemError
from sync.server.schemas import CloseoutRequest, Receipt
from sync.server.tables import Activity, Checkin, Closeout, Device


def checkin_digest(checkin_ids: list[str]) -> str:
    """SHA-256 hex of the lower-case ids, sorted, joined by "\\n" (no trailing newline)."""
    joined = "\n".join(sorted(i.lower() for i in checkin_ids))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()


def close_out(session: Session, device: Device, req: CloseoutRequest) -> Closeout:
    activity = session.get(Activity, req.activity_id)
    if activity is None or not activity_visible(activity, device):
        raise ProblemError(404, "unknown-activity", f"no activity {req.activity_id!r} for device")
    here = (col(Checkin.activity_id) == activity.id, col(Checkin.device_id) == device.id)
    mine = session.exec(select(Checkin.id).where(*here, live_clause())).all()
    counted = session.exec(select(func.count()).where(*here, counts_clause())).one()
    combined = session.exec(
        select(func.count()).where(col(Checkin.activity_id) == activity.id, live_clause())
    ).one()
    combined_counted = session.exec(
        select(func.count()).where(col(Checkin.activity_id) == activity.id, counts_clause())
    ).one()
    answers = session.exec(select(Checkin.status, Checkin.reason, Checkin.voided).where(*here))
    tally: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for status, reason, voided in answers.all():
        tally[status] += 1
        tally["voided"] += int(status == "accepted" and voided)
        if status == "rejected":
            reasons[reason or "unknown"] += 1
    unsynced = [
        {
            "device_id": d.device_id,
            "name": d.name,
            "pending_uploads": d.pending_uploads,
            "pending_reported_at": _iso(d.pending_reported_at),
            "last_contact_at": _iso(d.last_contact_at),
        }
        for d in activity_devices(session, activity)
        if d.unsynced and d.device_id != device.id
    ]
    server_digest = checkin_digest(list(mine))
    row = Closeout(
        receipt_id=str(uuid.uuid4()),
        activity_id=activity.id,
        device_id=device.id,
        date=req.date,
        device_count=req.device_count,
        device_digest=req.digest,
        server_digest=server_digest,
        server_count=len(mine),
        digest_match=server_digest == req.digest,
        combined_unique_count=int(combined),
        received_at=utc_now(),
        received_count=sum(tally[s] for s in ("accepted", "duplicate", "rejected")),
        rejected_count=tally["rejected"],
        duplicate_count=tally["duplicate"],
        voided_count=tally["voided"],
        counted_count=int(counted),
        combined_counted_count=int(combined_counted),
        details=json.dumps(
            {"rejected_reasons": dict(sorted(reasons.items())), "unsynced_devices": unsynced},
            separators=(",", ":"),
        ),
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def receipt_of(row: Closeout) -> Receipt:
    """The receipt as answered: the stored row and its details."""
    details: dict[str, Any] = json.loads(row.details or "{}")
    fields = Receipt.model_validate(row, from_attributes=True).model_dump()
    for name in ("rejected_reasons", "unsynced_devices"):
        if name in details:
            fields[name] = details[name]
    return Receipt.model_validate(fields)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
