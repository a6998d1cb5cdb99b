"""Close-out of a day at an activity: compare the device's digest with the server's records.

Both the digest and the counts cover live check-ins only (accepted, not voided). A correction
that arrives after a close-out is still applied (the device made it before it closed the day;
it may simply have reached the server later): the stored receipt stays as it was, and the
device closes out again to get a receipt for the corrected state."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import func
from sqlmodel import Session, col, select

from sync.server.codes import utc_now
from sync.server.decide import activity_visible
from sync.server.problems import ProblemError
from sync.server.schemas import CloseoutRequest
from sync.server.tables import Activity, Checkin, Closeout, Device


def checkin_digest(checkin_ids: list[str]) -> str:
    """SHA-256 hex of the lower-case ids, sorted, joined by "\\n" (no trailing newline)."""
    joined = "\n".join(sorted(i.lower() for i in checkin_ids))
    return hashlib.sha256(joined.encode("ascii")).hexdigest()


def close_out(session: Session, device: Device, req: CloseoutRequest) -> Closeout:
    activity = session.get(Activity, req.activity_id)
    if activity is None or not activity_visible(activity, device):
        raise ProblemError(404, "unknown-activity", f"no activity {req.activity_id!r} for device")
    mine = session.exec(
        select(Checkin.id).where(
            col(Checkin.activity_id) == activity.id,
            col(Checkin.device_id) == device.id,
            col(Checkin.status) == "accepted",
            col(Checkin.voided).is_(False),
        )
    ).all()
    combined = session.exec(
        select(func.count())
        .select_from(Checkin)
        .where(
            col(Checkin.activity_id) == activity.id,
            col(Checkin.status) == "accepted",
            col(Checkin.voided).is_(False),
        )
    ).one()
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
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row
