"""Plain value types shared by the check-in core, the scan pipeline, the CLI and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kiosk.keyboard_layout import Mismatch


class Outcome(StrEnum):
    """What the gate shows for one scan."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class Method(StrEnum):
    """How a pass or record reached the kiosk (stored with every attempt)."""

    CAMERA = "camera"
    WEDGE = "wedge"  # USB/Bluetooth keyboard-wedge scanner typing the pass string + Enter
    MANUAL = "manual"  # registrant id typed in by a volunteer or coordinator
    PAPER = "paper"  # paper activity-record form for people without the app


class Reason(StrEnum):
    """Stable rejection codes. The UI maps each to a catalog key `reason.<code>`."""

    BAD_ENCODING = "bad_encoding"
    MALFORMED = "malformed"
    WRONG_TYPE = "wrong_type"
    UNSUPPORTED_ALG = "unsupported_alg"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    WRONG_ISSUER = "wrong_issuer"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    ACTIVITY_CLOSED = "activity_closed"
    NO_ACTIVITY = "no_activity"
    STORAGE_FULL = "storage_full"
    STORAGE_FAILED = "storage_failed"
    UNREADABLE = "unreadable"  # the kiosk itself failed to decide (a bug): logged, gate goes on


class PremiumCue(StrEnum):
    """Does this activity count toward a premium registration? (`kiosk.premium_cue`)

    Premium needs three activities a year designated by a municipality the registrant is
    registered with; the gate says which case this is in one short line."""

    YOURS = "yours"  # designated by one of the registrant's municipalities (the pass's `mun`)
    DESIGNATED = "designated"  # designated (the start screen: nobody scanned yet)
    OTHER = "other"  # designated, but by a municipality the registrant is not registered with
    NOT_DESIGNATED = "not_designated"  # counts as participation, never toward premium
    UNKNOWN = "unknown"  # not confirmed by the national system (configured activity, offline)


@dataclass(frozen=True, slots=True)
class PassClaims:
    """Verified claims of a registrant pass (§3 of the architecture)."""

    sub: str
    tier: str
    mun: tuple[str, ...]
    stay: tuple[str, ...]
    iat: int
    exp: int
    jti: str
    kid: str


@dataclass(frozen=True, slots=True)
class Verification:
    """Result of verifying one pass string: claims when valid, otherwise a reason."""

    claims: PassClaims | None
    reason: Reason | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.claims is not None


@dataclass(frozen=True, slots=True)
class CheckinResult:
    """One decision, as stored and as reported to the UI and `kiosk scan --jsonl`."""

    outcome: Outcome
    reason: Reason | None
    registrant: str | None  # masked id, e.g. FR7K3M****PD
    checkin_id: str | None
    attempt_id: str
    method: Method
    activity_id: str
    decided_at: datetime
    latency_ms: float
    tier: str | None = None
    first_at: datetime | None = None  # time of the first check-in, for duplicates
    first_device: str | None = None  # the gate that recorded it first, when the national
    # server said it was another gate (sanitised); None: this gate
    detail: str = ""  # sanitised extra detail for logs (never personal data)
    extra: dict[str, str] = field(default_factory=dict)
    premium: PremiumCue | None = None  # accepted passes: does this activity count for them?
    corrected: tuple[Mismatch, ...] = ()  # keyboard settings undone to read a typed pass

    def to_json(self) -> dict[str, object]:
        return {
            "decision": self.outcome.value,
            "reason": self.reason.value if self.reason else None,
            "registrant": self.registrant,
            "checkin_id": self.checkin_id,
            "attempt_id": self.attempt_id,
            "method": self.method.value,
            "activity": self.activity_id,
            "tier": self.tier,
            "decided_at": self.decided_at.isoformat(),
            "first_at": self.first_at.isoformat() if self.first_at else None,
            "first_device": self.first_device,
            "latency_ms": round(self.latency_ms, 3),
            "premium": self.premium.value if self.premium else None,
        }


def mask_registrant(sub: str) -> str:
    """Mask a registrant id for display and export: keep the prefix and the last two."""
    if len(sub) <= 8:
        return sub[:2] + "*" * max(0, len(sub) - 2)
    return sub[:6] + "*" * (len(sub) - 8) + sub[-2:]


@dataclass(frozen=True, slots=True)
class SyncState:
    """What the header shows about the national API connection (posted by the sync worker)."""

    configured: bool  # False: offline-only device (no [api] section)
    online: bool
    pending: int
    last_success: datetime | None = None
    needs_enrollment: bool = False  # the server answered 401: re-enroll the device
    uploading: int = 0  # items in the batch being sent now (for the progress bar)
    backlog_at_start: int = 0  # pending when this sync pass began (progress bar total)
    message: str = ""  # sanitised, for logs; the UI shows catalog strings instead


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    """What "upload everything now, and wait" achieved (`kiosk.ports.UploadFlusher`): the
    close-out waits for it before it sends the day's digest."""

    uploaded: int  # check-ins and corrections answered or settled meanwhile
    pending: int  # check-ins and corrections still waiting on this device (all activities)
    error: str = ""  # sanitised: why it stopped short (offline, server error, not enrolled)

    @property
    def complete(self) -> bool:
        return self.pending == 0
