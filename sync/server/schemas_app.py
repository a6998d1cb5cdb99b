"""Bodies of the trust-statement, activity-code, self-check-in and counts endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ActivityCodeKeyOut(BaseModel):
    activity_id: str
    date: dt.date
    device_id: str
    kid: str
    seed: str = Field(description="32-byte Ed25519 private key, base64url: a secret")
    certificate: str


class ActivityCodeKeysResponse(BaseModel):
    window_seconds: int
    skew_seconds: int
    keys: list[ActivityCodeKeyOut]


class SelfCheckinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    pass_: str = Field(alias="pass", min_length=1, max_length=4096)
    code: str = Field(min_length=1, max_length=2048)


class SelfCheckinResponse(BaseModel):
    checkin_id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None
    first_checkin_id: str | None
    activity_id: str | None
    activity_name: str | None
    designated: bool | None


class ActivityCounts(BaseModel):
    activity_id: str
    date: dt.date
    total: int
    gate: int
    app: int
    by_method: dict[str, int]
    digest: str
