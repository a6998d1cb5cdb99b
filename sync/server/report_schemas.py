"""Response bodies of the reports added for true counts: per-activity device status and the
premium qualification of a registrant (mirrored in sync/openapi.yaml, generated)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class DeviceStatusOut(_Out):
    device_id: str
    name: str
    disabled: bool
    last_contact_at: dt.datetime | None = Field(
        description="The device's last authenticated request (within a few seconds)."
    )
    pending_uploads: int | None = Field(
        description="What the device last declared in `Pending-Uploads` (null: never)."
    )
    pending_reported_at: dt.datetime | None
    checkins_received: int = Field(description="Check-ins of the activity received from it.")
    last_upload_at: dt.datetime | None
    last_closeout_at: dt.datetime | None


class ActivityDevicesResponse(_Out):
    activity_id: str
    date: dt.date
    as_of: dt.datetime = Field(description="Server time of this report.")
    devices: list[DeviceStatusOut]


class FiscalPeriod(_Out):
    start: dt.date
    end: dt.date


class MunicipalityTally(_Out):
    municipality: str
    registered: bool = Field(description="The registrant is registered with it.")
    designated: int = Field(
        description="Counting participations at activities it designated, in the fiscal year."
    )
    qualifies: bool = Field(description="Registered, and `designated` reaches the threshold.")
    counts_toward_limit: bool = Field(
        description="False for a prefecture when a municipality inside it is registered too."
    )


class ReportActivity(_Out):
    activity_id: str
    date: dt.date
    municipality: str
    designated: bool
    checkin_id: str
    method: str
    counts: bool
    not_counted_reason: str | None = Field(
        description="`not_attested`: a manual or paper record no coordinator vouched for."
    )


class PremiumReport(_Out):
    registrant: str
    fiscal_year: int
    period: FiscalPeriod
    threshold: int
    max_municipalities: int
    registered_municipalities: list[str]
    participations: int = Field(description="Participations that count, in the fiscal year.")
    recorded_participations: int = Field(
        description="Live participations, including those that do not count."
    )
    designated: int = Field(
        description="Counting participations at designated activities of any municipality."
    )
    qualifies_for_premium: bool
    qualifying_municipalities: list[str]
    municipalities: list[MunicipalityTally]
    activities: list[ReportActivity]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
