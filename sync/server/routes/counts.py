"""GET /v1/activities/{activity_id}/counts: the day's live check-ins, gate and app."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlmodel import Session

from sync.server.activity_totals import activity_totals
from sync.server.decide import activity_visible
from sync.server.deps import current_device, session
from sync.server.problems import ProblemError
from sync.server.routes import docs
from sync.server.routes.common import problems
from sync.server.schemas_app import ActivityCounts
from sync.server.tables import Activity, Device

router = APIRouter(tags=["status"])


@router.get(
    "/v1/activities/{activity_id}/counts",
    response_model=ActivityCounts,
    responses=problems(
        401, 422, extra={404: "No such activity for this device (`unknown-activity`)."}
    ),
    operation_id="getActivityCounts",
    summary="Live check-ins at an activity by method - every device and the registrant app.",
    description=docs.ACTIVITY_COUNTS,
    response_description="The counts.",
)
def activity_counts(
    activity_id: Annotated[str, Path(min_length=1, max_length=128)],
    device: Annotated[Device, Depends(current_device)],
    s: Annotated[Session, Depends(session)],
) -> ActivityCounts:
    activity = s.get(Activity, activity_id)
    if activity is None or not activity_visible(activity, device):
        raise ProblemError(404, "unknown-activity", f"no activity {activity_id!r} for device")
    totals = activity_totals(s, activity.id)
    return ActivityCounts(
        activity_id=activity.id,
        date=activity.date,
        total=totals.total,
        gate=totals.gate,
        app=totals.app,
        by_method=totals.by_method,
        digest=totals.digest,
    )
