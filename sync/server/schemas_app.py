"""Bodies of the trust-statement, activity-code, self-check-in and counts endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sync.server.schemas import CURSOR_PATTERN, DIGEST_PATTERN, JwksResponse

_BY_METHOD = "Live check-ins per method (camera, wedge, manual, paper, app; 0 when none)."


class ActivityCodeKeyOut(BaseModel):
    activity_id: str
    date: dt.date
    device_id: str
    kid: str = Field(description="Key id (`ack-...`) for the `kid` header of codes.")
    seed: str = Field(description="32-byte Ed25519 private key, base64url. A secret.")
    certificate: str = Field(description="Compact JWS, `typ` `furusato-activity-key+jwt`.")


class ActivityCodeKeysResponse(BaseModel):
    window_seconds: int = Field(description="Length of a code window (default 60).")
    skew_seconds: int = Field(description="Allowed skew either side of a window (default 15).")
    keys: list[ActivityCodeKeyOut]


class SelfCheckinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    pass_: str = Field(
        alias="pass",
        min_length=1,
        max_length=4096,
        description="The registrant's pass (JWS compact).",
    )
    code: str = Field(
        min_length=1, max_length=2048, description="The activity code scanned at the venue."
    )


class SelfCheckinResponse(BaseModel):
    checkin_id: str | None = Field(
        description="The stored check-in (made by the server); null when the code was refused."
    )
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = Field(
        description="Null unless rejected; code reasons (see the operation) or "
        "pass/participation reasons as for uploads."
    )
    first_checkin_id: str | None = Field(
        description="For `duplicate`, the live check-in of this registrant at the activity."
    )
    activity_id: str | None
    activity_name: str | None
    designated: bool | None = Field(
        description="Whether the activity is municipality-designated (counts for premium)."
    )


class ActivityCounts(BaseModel):
    activity_id: str
    date: dt.date
    total: int = Field(description="Live check-ins at the activity: gate + app.")
    gate: int = Field(description="Live check-ins uploaded by devices (every method but app).")
    app: int = Field(description="Live self check-ins from the registrant app.")
    by_method: dict[str, int] = Field(description=_BY_METHOD)
    digest: str = Field(
        pattern=DIGEST_PATTERN,
        description="Close-out digest rule over every live check-in id at the activity.",
    )


class StatementRevocations(BaseModel):
    jti: list[str] = Field(description="Every revoked pass id.")
    sub: list[str] = Field(description="Every revoked registrant id.")
    through: str = Field(pattern=CURSOR_PATTERN)


class TrustStatementPayload(BaseModel):
    """The payload of the trust statement JWS (documentation; served inside the JWS)."""

    iss: Literal["furusato-national"]
    v: Literal[1]
    seq: int = Field(ge=1, description="Grows with every new statement.")
    iat: int = Field(description="Issued at (epoch seconds).")
    exp: int = Field(
        description="Not accepted at or after this time (epoch seconds; 7 days after iat by "
        "default)."
    )
    jwks: JwksResponse
    revocations: StatementRevocations
    anchor_announcement: str | None = Field(
        default=None,
        description="A `furusato-anchor+jwt` naming an anchor's successor (see the operation).",
    )
