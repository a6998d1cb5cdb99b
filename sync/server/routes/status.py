"""GET /v1/activities/{activity_id}/devices: who still has to sync before the day is closed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlmodel import Session

from sync.server.codes import utc_now
from sync.server.decide import activity_visible
from sync.server.deps import current_device, session
from sync.server.device_status import activity_devices
from sync.server.problems import ProblemError
from sync.server.report_schemas import ActivityDevicesResponse, DeviceStatusOut
from sync.server.routes import docs
from sync.server.routes.common import problems
from sync.server.tables import Activity, Device

router = APIRouter(tags=["status"])


@router.get(
    "/v1/activities/{activity_id}/devices",
    response_model=ActivityDevicesResponse,
    responses=problems(
        401, 422, extra={404: "No such activity for this device (`unknown-activity`)."}
    ),
    operation_id="activityDevices",
    response_description="The devices of the activity.",
    summary="Per device of an activity: last contact, declared pending uploads, uploads.",
    description=docs.ACTIVITY_DEVICES,
)
def devices_of_activity(
    activity_id: Annotated[str, Path(min_length=1, max_length=128)],
    device: Annotated[Device, Depends(current_device)],
    s: Annotated[Session, Depends(session)],
) -> ActivityDevicesResponse:
    activity = s.get(Activity, activity_id)
    if activity is None or not activity_visible(activity, device):
        raise ProblemError(404, "unknown-activity", f"no activity {activity_id!r} for device")
    return ActivityDevicesResponse(
        activity_id=activity.id,
        date=activity.date,
        as_of=utc_now(),
        devices=[
            DeviceStatusOut.model_validate(d, from_attributes=True)
            for d in activity_devices(s, activity)
        ],
    )
