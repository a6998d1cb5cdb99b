"""Self check-in from the registrant app (`POST /v1/checkins:self`): a pass plus a scanned code.

The activity code proves presence (see `sync.server.activity_codes`); the pass is verified and
the participation decided by the same `BatchDecider` as gate uploads, so the rules are the same:
revocation, pass validity at the time of the check-in (the server's receive time), and one live
participation per registrant and activity whatever the way in. An app check-in after a gate scan
is `duplicate` (first_checkin_id = the gate's), and a gate scan uploaded after an app check-in is
`duplicate` in its batch result the same way.

App check-ins are stored with `method` "app" and `device_id` "app" (no device uploaded them): a
device's close-out digest never includes them, corrections from a device cannot touch them, and
the activity's totals (`sync.server.activity_totals`) count them beside the gate's. A refused
code stores nothing; a refused pass is stored as a rejected check-in, like a gate upload.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from sync.server.activity_codes import verify_code
from sync.server.decide import BatchDecider
from sync.server.deps import ServerContext
from sync.server.schemas import CheckinIn
from sync.server.tables import Activity, Device

APP_METHOD = "app"
APP_DEVICE_ID = "app"
_ATTEMPTS = 3


def _app_device(activity: Activity, now: datetime) -> Device:
    """A stand-in device (never stored) that may see exactly this activity."""
    return Device(
        id=APP_DEVICE_ID,
        token_hash="",
        municipality=activity.municipality,
        organisation=activity.organisation,
        enrolled_at=now,
    )


def _decide(
    session: Session, pass_token: str, code: str, now: datetime, ctx: ServerContext
) -> dict[str, Any]:
    check = verify_code(session, code, now, ctx.settings)
    if check.activity is None:
        return {
            "checkin_id": None,
            "status": "rejected",
            "reason": check.reason,
            "first_checkin_id": None,
            "activity_id": None,
            "activity_name": None,
            "designated": None,
        }
    activity = check.activity
    # model_construct: "app" is not a method a device may upload, so it skips validation.
    fields: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "activity_id": activity.id,
        "pass_": pass_token,
        "registrant": None,
        "method": APP_METHOD,
        "scanned_at": now,
        "scanned_at_corrected": None,
        "clock_trusted": True,
        "tier": None,
    }
    item = CheckinIn.model_construct(**fields)
    decider = BatchDecider(session, _app_device(activity, now), [item], ctx.rules)
    (result,) = decider.decide_all([item], now)
    session.commit()
    return {
        "checkin_id": result["id"],
        "status": result["status"],
        "reason": result["reason"],
        "first_checkin_id": result["first_checkin_id"],
        "activity_id": activity.id,
        "activity_name": activity.name,
        "designated": activity.designated,
    }


def self_checkin(ctx: ServerContext, pass_token: str, code: str, now: datetime) -> dict[str, Any]:
    """Decide and record one app check-in; the response body."""
    for attempt in range(_ATTEMPTS):
        try:
            with ctx.write_lock, Session(ctx.engine) as session:
                return _decide(session, pass_token, code, now, ctx)
        except (IntegrityError, OperationalError):  # another process wrote first: decide again
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
