"""Request and response bodies of the national API (mirrors sync/openapi.yaml)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

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


def _json_integer(value: Any) -> int:
    """A JSON integer: any number without a fractional part (JSON Schema counts 1.0 as an
    integer), never a boolean or a string."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected an integer")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("expected an integer")
    return int(value)


AwareTimestamp = Annotated[dt.datetime, BeforeValidator(_aware_timestamp)]
IsoDate = Annotated[dt.date, BeforeValidator(parse_iso_date)]
JsonInt = Annotated[int, BeforeValidator(_json_integer)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Out(BaseModel):
    """A response body: every member is always sent, so the document marks each required."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class EnrollRequest(_In):
    token: str = Field(min_length=1, max_length=256, description="The one-time enrollment token.")
    name: str = Field(default="", max_length=100, description="A label for the device (a gate).")


class EnrollResponse(BaseModel):
    device_id: str
    device_token: str = Field(description="Bearer token; shown once.")
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
    designated: bool = Field(
        description="A municipality-designated activity (担い手活動), counted for premium."
    )
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
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    kid: str
    x: str = Field(description="Public key, base64url without padding.")
    use: Literal["sig"]


class JwksResponse(BaseModel):
    keys: list[Jwk]


class Attestation(_In):
    """A coordinator vouching for a record not read from a pass (manual or paper)."""

    operator: str = Field(
        min_length=1, max_length=100, description="The coordinator who vouches (id or name)."
    )
    reason: str = Field(min_length=1, max_length=500, description="Why the pass could not be read.")


class CheckinIn(_In):
    id: str = Field(
        pattern=UUID_PATTERN,
        description="Made on the device; the server stores and answers it in lower case.",
    )
    activity_id: str = Field(min_length=1, max_length=128)
    pass_: str | None = Field(
        default=None,
        alias="pass",
        max_length=4096,
        description="The pass string as scanned (JWS compact); null for manual and paper records.",
    )
    registrant: str | None = Field(
        default=None,
        pattern=REGISTRANT_PATTERN,
        description="The registrant id (`sub`). Optional when `pass` is given (taken from the "
        "pass; must equal it when both are sent); required for `manual`; optional for `paper`.",
    )
    method: Literal["camera", "wedge", "manual", "paper"]
    scanned_at: AwareTimestamp = Field(
        description="The device clock at the scan, with its UTC offset."
    )
    scanned_at_corrected: AwareTimestamp | None = Field(
        default=None,
        description="scanned_at corrected by the device's clock offset (server Date header); "
        "when given, it is the scan time the server judges.",
    )
    clock_trusted: StrictBool = Field(
        default=True, description="False when the device clock was not synchronised at the scan."
    )
    tier: Literal["basic", "premium"] | None = Field(
        default=None, description="Tier seen by the device (informative; the pass claim wins)."
    )
    attestation: Attestation | None = Field(
        default=None,
        description="For `manual` and `paper` records: without it the check-in is recorded "
        "but does not count (`counts: false`).",
    )


class CheckinBatch(_In):
    checkins: list[CheckinIn] = Field(min_length=1, max_length=MAX_BATCH)


class CheckinResultOut(_Out):
    id: str
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = Field(description="Null unless rejected; the codes: see the operation.")
    counts: bool = Field(
        description="Whether the participation this check-in records counts toward premium "
        "(see the operation)."
    )
    first_checkin_id: str | None = Field(
        description="For `duplicate`: the live check-in of this registrant at the activity."
    )
    first_device_id: str | None = Field(
        description="For `duplicate`: the device that uploaded the first check-in."
    )
    first_device_name: str | None = Field(
        description="For `duplicate`: that device's name (as enrolled; may be empty)."
    )
    first_scanned_at: dt.datetime | None = Field(
        description="For `duplicate`: when the first check-in was scanned (its corrected time "
        "when it had one)."
    )


class CheckinBatchResponse(BaseModel):
    results: list[CheckinResultOut]


class CorrectionIn(_In):
    id: str = Field(
        pattern=UUID_PATTERN,
        description="The correction's id, made on the device; a repeated id is the same "
        "correction.",
    )
    checkin_id: str = Field(pattern=UUID_PATTERN, description="A check-in this device uploaded.")
    action: Literal["void", "restore"]
    reason: str = Field(max_length=REASON_MAX, description="The operator's reason (audit).")
    at: AwareTimestamp = Field(
        description="When the correction was made (device clock, with its UTC offset)."
    )


class CorrectionBatch(_In):
    corrections: list[CorrectionIn] = Field(min_length=1, max_length=MAX_BATCH)


class CorrectionResultOut(BaseModel):
    id: str
    status: Literal["applied", "unchanged", "rejected"]
    reason: str | None = Field(
        description="Null unless rejected (`unknown_checkin`, `not_your_checkin`, `conflict`)."
    )


class CorrectionBatchResponse(BaseModel):
    results: list[CorrectionResultOut]


class CloseoutRequest(_In):
    activity_id: str = Field(min_length=1, max_length=128)
    date: IsoDate = Field(description="The day closed out.")
    device_count: JsonInt = Field(
        ge=0, le=10_000_000, description="Live accepted check-ins on this device for the activity."
    )
    digest: str = Field(
        pattern=DIGEST_PATTERN,
        description="SHA-256 over the sorted live accepted check-in ids (see the operation).",
    )


class UnsyncedDevice(_Out):
    device_id: str
    name: str
    pending_uploads: int = Field(description="What the device last declared waiting.")
    pending_reported_at: dt.datetime
    last_contact_at: dt.datetime


class Receipt(_Out):
    receipt_id: str
    activity_id: str
    device_id: str
    date: dt.date
    digest_match: bool
    device_digest: str
    server_digest: str
    device_count: int = Field(description="As the device sent it.")
    server_count: int = Field(
        description="Live check-ins the server holds from this device for the activity."
    )
    combined_unique_count: int = Field(
        description="Unique participants at the activity across all devices and the registrant "
        "app (live check-ins)."
    )
    received_at: dt.datetime
    received_count: int = Field(
        default=0, description="Check-ins the server holds from this device for the activity."
    )
    rejected_count: int = Field(default=0, description="Of those, rejected by the server.")
    rejected_reasons: dict[str, int] = Field(
        default_factory=dict, description="The rejected ones by reason."
    )
    duplicate_count: int = Field(default=0, description="Of those, duplicates.")
    voided_count: int = Field(default=0, description="Of those, accepted and then voided.")
    counted_count: int = Field(
        default=0,
        description="Live check-ins of this device that count toward premium (server_count "
        "minus manual/paper records without an attestation).",
    )
    combined_counted_count: int = Field(
        default=0, description="Unique participants at the activity whose participation counts."
    )
    unsynced_devices: list[UnsyncedDevice] = Field(
        default_factory=list,
        description="Other devices of the activity that last declared uploads waiting.",
    )
    # The whole activity (every device and the registrant app; `sync.server.activity_totals`)
    app_count: int = Field(
        default=0, description="Live self check-ins from the registrant app at the activity."
    )
    by_method: dict[str, int] = Field(
        default_factory=dict,
        description="Live check-ins at the activity per method (camera, wedge, manual, paper, "
        "app; 0 when none).",
    )
    activity_digest: str = Field(
        default="",
        description="Close-out digest rule over every live check-in id at the activity (all "
        "devices and the app).",
    )


class Health(BaseModel):
    status: Literal["ok"]
    time: dt.datetime
    version: str
