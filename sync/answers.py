"""The per-item answers of the upload endpoints, read from untrusted response bodies.

`POST /v1/checkins:batch` answers each check-in with its status and reason, whether the
participation counts toward premium (`counts`), and for a duplicate the first check-in: its id,
the device that recorded it (id and name) and when it was scanned. `POST
/v1/checkins:corrections` answers each correction with its status and reason. Text is
sanitised here; a malformed result fails the whole response (`ServerError`), so nothing half
understood reaches the store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kiosk.national import NAME_MAX
from kiosk.store import ServerAnswer
from kiosk.store.tables import CorrectionStatus, SyncStatus
from kiosk.text import sanitize
from kiosk.untrusted_json import aware_datetime
from sync.api_errors import ServerError

CHECKIN_ANSWERS = (SyncStatus.ACCEPTED, SyncStatus.DUPLICATE, SyncStatus.REJECTED)
CORRECTION_ANSWERS = (
    CorrectionStatus.APPLIED,
    CorrectionStatus.UNCHANGED,
    CorrectionStatus.REJECTED,
)
REASON_MAX = 64
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True, slots=True)
class ItemResult:
    id: str
    status: SyncStatus  # one of CHECKIN_ANSWERS
    reason: str | None
    first_checkin_id: str | None
    counts: bool | None = None  # None: the server did not say
    first_device_id: str | None = None
    first_device_name: str | None = None
    first_scanned_at: str | None = None  # ISO 8601 with its offset

    @property
    def answer(self) -> ServerAnswer:
        """What the store keeps beside the status (`store.outbox.apply_results`)."""
        return ServerAnswer(
            counts=self.counts,
            first_checkin_id=self.first_checkin_id,
            first_device_id=self.first_device_id,
            first_device_name=self.first_device_name,
            first_scanned_at=self.first_scanned_at,
        )


@dataclass(frozen=True, slots=True)
class CorrectionResult:
    id: str
    status: CorrectionStatus  # one of CORRECTION_ANSWERS
    reason: str | None


def _reason(value: object) -> str | None:
    return sanitize(value, REASON_MAX) if isinstance(value, str) else None


def _uuid(value: object) -> str | None:
    return value.lower() if isinstance(value, str) and _UUID.match(value) else None


def _timestamp(value: object) -> str | None:
    """An aware ISO 8601 timestamp, re-written in Python's own form (None when it is not)."""
    parsed = aware_datetime(value)
    return parsed.isoformat() if parsed is not None else None


def _results(body: dict[str, Any], what: str) -> list[Any]:
    results = body.get("results")
    if not isinstance(results, list):
        raise ServerError(f"{what} response without results")
    return results


def checkin_results(body: dict[str, Any]) -> list[ItemResult]:
    """The results of a `POST /v1/checkins:batch` response."""
    parsed: list[ItemResult] = []
    for entry in _results(body, "batch"):
        if not isinstance(entry, dict) or entry.get("status") not in CHECKIN_ANSWERS:
            raise ServerError("batch response with a malformed result")
        counts = entry.get("counts")
        name = entry.get("first_device_name")
        parsed.append(
            ItemResult(
                id=str(entry.get("id", "")).lower(),
                status=SyncStatus(entry["status"]),
                reason=_reason(entry.get("reason")),
                first_checkin_id=_uuid(entry.get("first_checkin_id")),
                counts=counts if isinstance(counts, bool) else None,
                first_device_id=_reason(entry.get("first_device_id")),
                first_device_name=sanitize(name, NAME_MAX) if isinstance(name, str) else None,
                first_scanned_at=_timestamp(entry.get("first_scanned_at")),
            )
        )
    return parsed


def correction_results(body: dict[str, Any]) -> list[CorrectionResult]:
    """The results of a `POST /v1/checkins:corrections` response."""
    parsed: list[CorrectionResult] = []
    for entry in _results(body, "corrections"):
        if not isinstance(entry, dict) or entry.get("status") not in CORRECTION_ANSWERS:
            raise ServerError("corrections response with a malformed result")
        parsed.append(
            CorrectionResult(
                id=str(entry.get("id", "")).lower(),
                status=CorrectionStatus(entry["status"]),
                reason=_reason(entry.get("reason")),
            )
        )
    return parsed
