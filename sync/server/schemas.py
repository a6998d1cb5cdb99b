"""Request and response bodies of the national API (mirrors sync/openapi.yaml)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

MAX_BATCH = 500
REASON_MAX = 500
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
REGISTRANT_PATTERN = r"^FR[0-9A-HJKMNP-TV-Z]{10}$"
CURSOR_PATTERN = r"^[0-9]{1,18}$"
DIGEST_PATTERN = r"^[0-9a-f]{64}$"
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _aware_timestamp(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 string")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("timestamp needs a UTC offset")
    return parsed


def parse_iso_date(value: Any) -> dt.date:
    if not isinstance(value, str) or _DATE_RE.fullmatch(value) is None:
        raise ValueError("expected YYYY-MM-DD")
    return dt.date.fromisoformat(value)


AwareTimestamp = Annotated[dt.datetime, BeforeValidator(_aware_timestamp)]
IsoDate = Annotated[dt.date, BeforeValidator(parse_iso_date)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class EnrollRequest(_In):
    token: str = Field(min_length=1, max_length=256)
    name: str = Field(default="", max_length=100)


class EnrollResponse(BaseModel):
    device_id: str
    device_token: str
    municipality: str | None
    organisation: str | None
    enrolled_at: dt.datetime


class ActivityOut(BaseModel):
    id: str
    name: str
    date: dt.date
    venue: str
    organiser: str
    municipality: str
    organisation: str | None
    designated: bool
    updated_at: dt.datetime


class ActivitiesResponse(BaseModel):
    activities: list[ActivityOut]
    next_since: str


class RevocationsResponse(BaseModel):
    jti: list[str]
    sub: list[str]
    next_cursor: str
    has_more: bool


class Jwk(BaseModel):
    kty: str
    crv: str
    kid: str
    x: str
    use: str


class JwksResponse(BaseModel):
    keys: list[Jwk]


class CheckinIn(_In):
    id: str = Field(pattern=UUID_PATTERN)
    activity_id: str = Field(min_length=1, max_length=128)
    pass_: str | None = Field(default=None, alias="pass", max_length=4096)
    registrant: str | None = Field(default=None, pattern=REGISTRANT_PATTERN)
    method: Literal["camera", "wedge", "manual", "paper"]
    scanned_at: AwareTimestamp
    scanned_at_corrected: AwareTimestamp | None = None
    clock_trusted: StrictBool = True
    tier: Literal["basic", "premium"] | None = None


class CheckinBatch(_In):
    checkins: list[CheckinIn] = Field(min_length=1, max_length=MAX_BATCH)


class CheckinResultOut(BaseModel):
    id: str
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None
    first_checkin_id: str | None


class CheckinBatchResponse(BaseModel):
    results: list[CheckinResultOut]


class CorrectionIn(_In):
    id: str = Field(pattern=UUID_PATTERN)
    checkin_id: str = Field(pattern=UUID_PATTERN)
    action: Literal["void", "restore"]
    reason: str = Field(max_length=REASON_MAX)
    at: AwareTimestamp


class CorrectionBatch(_In):
    corrections: list[CorrectionIn] = Field(min_length=1, max_length=MAX_BATCH)


class CorrectionResultOut(BaseModel):
    id: str
    status: Literal["applied", "unchanged", "rejected"]
    reason: str | None


class CorrectionBatchResponse(BaseModel):
    results: list[CorrectionResultOut]


class CloseoutRequest(_In):
    activity_id: str = Field(min_length=1, max_length=128)
    date: IsoDate
    device_count: StrictInt = Field(ge=0, le=10_000_000)
    digest: str = Field(pattern=DIGEST_PATTERN)


class Receipt(BaseModel):
    receipt_id: str
    activity_id: str
    device_id: str
    date: dt.date
    digest_match: bool
    device_digest: str
    server_digest: str
    device_count: int
    server_count: int
    combined_unique_count: int
    received_at: dt.datetime
    # The whole activity (every device and the registrant app; `sync.server.activity_totals`)
    app_count: int = 0
    by_method: dict[str, int] = Field(default_factory=dict)
    activity_digest: str = ""


class Health(BaseModel):
    status: Literal["ok"]
    time: dt.datetime
    version: str
